//! Polygons from OSM multipolygon relations: member ways are joined end to end into
//! closed rings (a ring may be split over several ways), outer rings become polygons and
//! each inner ring becomes a hole of the outer ring around it.

use std::collections::HashMap;

use geo::{BooleanOps, Contains, Coord, Geometry, LineString, MultiPolygon, Point, Polygon};

/// A member way's role in a multipolygon.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Member {
    Outer,
    Inner,
}

impl Member {
    /// `outer` (or an empty role, which old data uses for outer) and `inner`; other roles
    /// are not part of the outline.
    pub fn from_role(role: &str) -> Option<Member> {
        match role {
            "outer" | "" => Some(Member::Outer),
            "inner" => Some(Member::Inner),
            _ => None,
        }
    }
}

/// The positions of these nodes, or `None` if any is not in the file.
pub fn coords(refs: &[i64], positions: &HashMap<i64, Coord>) -> Option<Vec<Coord>> {
    refs.iter().map(|id| positions.get(id).copied()).collect()
}

/// Drops repeated consecutive positions (OSM ways sometimes hold the same node twice in a row).
pub fn dedup(mut coords: Vec<Coord>) -> Vec<Coord> {
    coords.dedup();
    coords
}

/// The relation's outline, or `None` if a member way or node is missing or a ring does
/// not close. Inner rings outside every outer ring are dropped.
pub fn multipolygon<'a>(
    members: &[(i64, Member)],
    refs_of: &impl Fn(i64) -> Option<&'a [i64]>,
    positions: &HashMap<i64, Coord>,
) -> Option<Geometry> {
    let pieces = |role: Member| -> Option<Vec<Vec<i64>>> {
        members.iter().filter(|(_, r)| *r == role).map(|(id, _)| refs_of(*id).map(<[i64]>::to_vec)).collect()
    };
    let to_ring = |ring: Vec<i64>| -> Option<LineString> {
        let ring = dedup(coords(&ring, positions)?);
        (ring.len() >= 4).then(|| LineString::new(ring))
    };
    let outers: Vec<LineString> = assemble(pieces(Member::Outer)?)?.into_iter().map(to_ring).collect::<Option<_>>()?;
    let inners: Vec<LineString> = assemble(pieces(Member::Inner)?)?.into_iter().map(to_ring).collect::<Option<_>>()?;
    if outers.is_empty() {
        return None;
    }
    let shells: Vec<Polygon> = outers.into_iter().map(|ring| Polygon::new(ring, vec![])).collect();
    let mut holes: Vec<Vec<LineString>> = vec![Vec::new(); shells.len()];
    for inner in inners {
        let probe = Point::from(inner.0[0]);
        if let Some(at) = shells.iter().position(|shell| shell.contains(&probe)) {
            holes[at].push(inner);
        }
    }
    let mut polygons: Vec<Polygon> =
        shells.into_iter().zip(holes).map(|(shell, holes)| Polygon::new(shell.into_inner().0, holes)).collect();
    Some(if polygons.len() == 1 { Geometry::Polygon(polygons.remove(0)) } else { Geometry::MultiPolygon(MultiPolygon(polygons)) })
}

/// The outline with its holes cut out by a boolean operation: OSM allows holes that touch
/// each other along a line (two courtyards sharing a wall), OGC's polygon model does not,
/// and subtracting them merges them into one. `None` for a geometry without holes.
pub fn merge_holes(geometry: &Geometry) -> Option<Geometry> {
    let polygons: &[Polygon] = match geometry {
        Geometry::Polygon(p) => std::slice::from_ref(p),
        Geometry::MultiPolygon(m) => &m.0,
        _ => return None,
    };
    let holes: Vec<Polygon> = polygons.iter().flat_map(|p| p.interiors().iter().map(|ring| Polygon::new(ring.clone(), vec![]))).collect();
    if holes.is_empty() {
        return None;
    }
    let shells = MultiPolygon(polygons.iter().map(|p| Polygon::new(p.exterior().clone(), vec![])).collect());
    let mut result = shells.difference(&MultiPolygon(holes));
    Some(if result.0.len() == 1 { Geometry::Polygon(result.0.remove(0)) } else { Geometry::MultiPolygon(result) })
}

/// Joins node-id pieces into closed rings by their shared end nodes (either way round).
/// `None` if some piece cannot be closed.
pub fn assemble(mut pieces: Vec<Vec<i64>>) -> Option<Vec<Vec<i64>>> {
    pieces.retain(|p| p.len() >= 2);
    let mut rings = Vec::new();
    while let Some(mut ring) = pieces.pop() {
        while ring.first() != ring.last() {
            let end = *ring.last()?;
            let next = pieces.iter().position(|p| p.first() == Some(&end) || p.last() == Some(&end))?;
            let mut piece = pieces.swap_remove(next);
            if piece.first() != Some(&end) {
                piece.reverse();
            }
            ring.extend_from_slice(&piece[1..]);
        }
        if ring.len() >= 4 {
            rings.push(ring);
        }
    }
    Some(rings)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn joins_split_rings_either_way_round() {
        let rings = assemble(vec![vec![1, 2, 3], vec![5, 4, 3], vec![5, 1]]).unwrap();
        assert_eq!(rings.len(), 1);
        let ring = &rings[0];
        assert_eq!(ring.first(), ring.last());
        assert_eq!(ring.len(), 6);
        assert_eq!(assemble(vec![vec![1, 2, 3, 4, 1]]).unwrap(), vec![vec![1, 2, 3, 4, 1]]);
        assert!(assemble(vec![vec![1, 2, 3], vec![3, 4]]).is_none(), "an open ring is no area");
    }

    #[test]
    fn inner_rings_become_holes_of_the_outer_around_them() {
        let positions: HashMap<i64, Coord> = [
            (1, (0.0, 0.0)),
            (2, (10.0, 0.0)),
            (3, (10.0, 10.0)),
            (4, (0.0, 10.0)),
            (5, (4.0, 4.0)),
            (6, (6.0, 4.0)),
            (7, (6.0, 6.0)),
            (8, (20.0, 20.0)),
            (9, (21.0, 20.0)),
            (10, (21.0, 21.0)),
        ]
        .into_iter()
        .map(|(id, (x, y))| (id, Coord { x, y }))
        .collect();
        let ways: HashMap<i64, Vec<i64>> =
            [(100, vec![1, 2, 3]), (101, vec![3, 4, 1]), (102, vec![5, 6, 7, 5]), (103, vec![8, 9, 10, 8])].into_iter().collect();
        let refs_of = |id: i64| ways.get(&id).map(Vec::as_slice);
        let members = [(100, Member::Outer), (102, Member::Inner), (101, Member::Outer)];
        let Some(Geometry::Polygon(polygon)) = multipolygon(&members, &refs_of, &positions) else { panic!("one polygon") };
        assert_eq!(polygon.interiors().len(), 1);
        let two = [(100, Member::Outer), (101, Member::Outer), (103, Member::Outer)];
        assert!(matches!(multipolygon(&two, &refs_of, &positions), Some(Geometry::MultiPolygon(m)) if m.0.len() == 2));
        assert!(multipolygon(&[(999, Member::Outer)], &refs_of, &positions).is_none(), "a missing member");
    }

    #[test]
    fn holes_that_share_a_wall_are_merged() {
        use geo::{Area, Validation, polygon};
        let square = |x0: f64, y0: f64, side: f64| {
            LineString::from(vec![(x0, y0), (x0 + side, y0), (x0 + side, y0 + side), (x0, y0 + side), (x0, y0)])
        };
        let shell = polygon![(x: 0.0, y: 0.0), (x: 10.0, y: 0.0), (x: 10.0, y: 10.0), (x: 0.0, y: 10.0), (x: 0.0, y: 0.0)];
        let courtyards = Geometry::Polygon(Polygon::new(shell.exterior().clone(), vec![square(2.0, 2.0, 3.0), square(5.0, 2.0, 3.0)]));
        assert!(!courtyards.is_valid(), "touching holes are not valid OGC polygons");
        let merged = merge_holes(&courtyards).unwrap();
        assert!(merged.is_valid());
        assert!((merged.unsigned_area() - (100.0 - 18.0)).abs() < 1e-9);
        assert!(merge_holes(&Geometry::Polygon(shell)).is_none());
    }
}
