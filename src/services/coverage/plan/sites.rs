//! The places a plan may choose from: compounds, the district's candidate sites (公共用房,
//! 闲置场地), buildings, or points the caller gives.

use geo::{Geometry, InteriorPoint, Point};

use super::{Candidates, MAX_POINTS, Site};
use crate::index::Snapshot;
use crate::services::ServiceError;

/// Each candidate as the answer names it, with the point its walk starts from; points given
/// by the caller are checked here.
pub(super) fn sites(snapshot: &Snapshot, candidates: &Candidates) -> Result<Vec<(Site, Point)>, ServiceError> {
    let data = &snapshot.data;
    let site =
        |kind, id: &str, name: String, p: Point| (Site { kind, id: Some(id.to_owned()), name: Some(name), lon: p.x(), lat: p.y() }, p);
    Ok(match candidates {
        Candidates::Compounds => {
            data.compounds.iter().filter_map(|c| c.geometry.interior_point().map(|p| site("compound", &c.id, c.name.clone(), p))).collect()
        }
        Candidates::CandidateSites => data
            .candidate_sites
            .iter()
            .filter_map(|c| match c.geometry {
                Geometry::Point(p) => Some(site("candidate_site", &c.id, c.name.clone(), p)),
                _ => None,
            })
            .collect(),
        Candidates::Buildings => (0..data.buildings.len())
            .filter_map(|b| {
                let p = snapshot.walking().building_points[b]?;
                Some(site("building", &data.buildings[b].id, snapshot.building_name(b as u32), p))
            })
            .collect(),
        Candidates::Points(points) => {
            if points.is_empty() || points.len() > MAX_POINTS {
                return Err(ServiceError::InvalidParameter {
                    parameter: "candidates",
                    reason: format!("give between 1 and {MAX_POINTS} points, got {}", points.len()),
                });
            }
            points
                .iter()
                .enumerate()
                .map(|(i, p)| {
                    if !((-180.0..=180.0).contains(&p.lon) && (-90.0..=90.0).contains(&p.lat)) {
                        return Err(ServiceError::InvalidParameter {
                            parameter: "candidates",
                            reason: format!("point {i} [{}, {}] is not a lon/lat position", p.lon, p.lat),
                        });
                    }
                    let point = Point::new(p.lon, p.lat);
                    Ok((Site { kind: "point", id: None, name: p.name.clone(), lon: p.lon, lat: p.lat }, point))
                })
                .collect::<Result<_, _>>()?
        }
    })
}
