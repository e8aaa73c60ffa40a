//! Responding units for an imported city. OSM records who manages a residential area in
//! its `operator` tag, which became the compound's `property_company`: each distinct
//! operator becomes a property company serving its compounds. OSM has no 居委会 or 街道
//! departments, so the synthesised communities and streets get one each, as every real one
//! has.
//!
//! Ids are stable across imports of the same place: a community's or street's id with a
//! suffix, and for a company a digest of its name (names may hold any character; ids go in
//! URLs).

use sha2::{Digest, Sha256};

use crate::model::{Dataset, Unit, UnitKind};

/// Property companies (by first compound), then a community office per community and a
/// street department per street. Phones are unknown.
pub fn units(data: &Dataset) -> Vec<Unit> {
    let mut companies: Vec<Unit> = Vec::new();
    for compound in &data.compounds {
        let Some(operator) = compound.property_company.as_deref() else { continue };
        match companies.iter_mut().find(|u| u.name == operator) {
            Some(company) => company.compound_ids.push(compound.id.clone()),
            None => {
                let mut company = unit(company_id(operator), operator.to_owned(), UnitKind::PropertyCompany);
                company.compound_ids.push(compound.id.clone());
                companies.push(company);
            }
        }
    }
    let offices = data.communities.iter().map(|c| Unit {
        community_ids: vec![c.id.clone()],
        ..unit(format!("{}-office", c.id), format!("{}居委会", c.name), UnitKind::CommunityOffice)
    });
    let departments = data.streets.iter().map(|s| Unit {
        street_ids: vec![s.id.clone()],
        ..unit(format!("{}-department", s.id), format!("{}科室", s.name), UnitKind::StreetDepartment)
    });
    companies.into_iter().chain(offices).chain(departments).collect()
}

fn unit(id: String, name: String, kind: UnitKind) -> Unit {
    Unit { id, name, kind, phone: None, compound_ids: Vec::new(), community_ids: Vec::new(), street_ids: Vec::new() }
}

/// `osm-operator-` and the first 12 hex digits of the name's SHA-256: the same company in
/// every import, and no collision in practice between a city's few hundred operators.
fn company_id(name: &str) -> String {
    let digest = Sha256::digest(name.as_bytes());
    let hex: String = digest[..6].iter().map(|b| format!("{b:02x}")).collect();
    format!("osm-operator-{hex}")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{Community, Compound, CompoundKind, Street};
    use geo::{Geometry, point};

    fn compound(id: &str, operator: Option<&str>) -> Compound {
        Compound {
            id: id.into(),
            name: id.into(),
            kind: CompoundKind::Commodity,
            property_company: operator.map(str::to_owned),
            households: 10,
            community_id: None,
            geometry: Geometry::Point(point!(x: 0.0, y: 0.0)),
        }
    }

    #[test]
    fn each_operator_is_one_company_serving_its_compounds_and_every_area_has_its_office() {
        let here = Geometry::Point(point!(x: 0.0, y: 0.0));
        let data = Dataset {
            streets: vec![Street { id: "S".into(), name: "街道 1".into(), geometry: here.clone() }],
            communities: vec![Community { id: "C".into(), name: "社区 1".into(), street_id: "S".into(), geometry: here }],
            compounds: vec![compound("a", Some("Monaco Gestion")), compound("b", None), compound("c", Some("Monaco Gestion"))],
            ..Dataset::default()
        };
        let units = units(&data);
        let kinds: Vec<UnitKind> = units.iter().map(|u| u.kind).collect();
        assert_eq!(kinds, [UnitKind::PropertyCompany, UnitKind::CommunityOffice, UnitKind::StreetDepartment]);
        assert_eq!(
            (units[0].name.as_str(), units[0].compound_ids.as_slice()),
            ("Monaco Gestion", ["a".to_owned(), "c".to_owned()].as_slice())
        );
        assert_eq!(units[0].id, company_id("Monaco Gestion"));
        assert_ne!(company_id("Monaco Gestion"), company_id("Monaco Gestion SA"));
        assert_eq!((units[1].id.as_str(), units[1].community_ids.as_slice()), ("C-office", ["C".to_owned()].as_slice()));
        assert_eq!((units[2].id.as_str(), units[2].street_ids.as_slice()), ("S-department", ["S".to_owned()].as_slice()));
    }
}
