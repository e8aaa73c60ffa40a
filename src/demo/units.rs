//! The demo's responding units (处置单位). Derived from the district without random numbers,
//! so adding them changed none of the other generated layers. Phones are fictional.

use std::collections::HashMap;

use crate::model::{Dataset, Unit, UnitKind};

/// A compound this large elects an owners' council (业主议事会); smaller ones take public
/// matters to the community office, so the demo has both cases.
pub const OWNERS_COUNCIL_HOUSEHOLDS: u32 = 1_000;

/// A street department, a police station and an urban-management (城管) squad per street; a
/// community office (居委会) per community; one unit per property company serving all the
/// compounds it manages; an owners' council per compound of at least
/// [`OWNERS_COUNCIL_HOUSEHOLDS`] households.
pub fn units(data: &Dataset) -> Vec<Unit> {
    let mut units = Units::default();
    for street in &data.streets {
        let serves = || Areas { streets: vec![street.id.clone()], ..Areas::default() };
        units.add(format!("{}社会事务科", street.name), UnitKind::StreetDepartment, serves());
        units.add(format!("{}派出所", street.name), UnitKind::PoliceStation, serves());
        units.add(format!("{}城管中队", street.name), UnitKind::UrbanManagement, serves());
    }
    for community in &data.communities {
        let serves = Areas { communities: vec![community.id.clone()], ..Areas::default() };
        units.add(format!("{}居委会", community.name), UnitKind::CommunityOffice, serves);
    }
    // Companies in order of their first compound, so ids follow the data.
    let mut companies: Vec<(&str, Vec<String>)> = Vec::new();
    let mut position: HashMap<&str, usize> = HashMap::new();
    for compound in &data.compounds {
        if let Some(company) = compound.property_company.as_deref() {
            let at = *position.entry(company).or_insert_with(|| {
                companies.push((company, Vec::new()));
                companies.len() - 1
            });
            companies[at].1.push(compound.id.clone());
        }
    }
    for (company, compounds) in companies {
        units.add(company.to_owned(), UnitKind::PropertyCompany, Areas { compounds, ..Areas::default() });
    }
    for compound in data.compounds.iter().filter(|c| c.households >= OWNERS_COUNCIL_HOUSEHOLDS) {
        let serves = Areas { compounds: vec![compound.id.clone()], ..Areas::default() };
        units.add(format!("{}业主议事会", compound.name), UnitKind::OwnersCouncil, serves);
    }
    units.list
}

#[derive(Default)]
struct Areas {
    compounds: Vec<String>,
    communities: Vec<String>,
    streets: Vec<String>,
}

#[derive(Default)]
struct Units {
    list: Vec<Unit>,
}

impl Units {
    fn add(&mut self, name: String, kind: UnitKind, areas: Areas) {
        let n = self.list.len() + 1;
        self.list.push(Unit {
            id: format!("UN{n:04}"),
            name,
            kind,
            phone: Some(format!("028-8390-{:04}", n % 10_000)),
            compound_ids: areas.compounds,
            community_ids: areas.communities,
            street_ids: areas.streets,
        });
    }
}
