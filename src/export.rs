//! Streaming GeoJSON export: one RFC 7946 FeatureCollection file per layer, one feature per
//! line, written record by record so a million buildings never sit in memory as one JSON value.
//!
//! # Units
//! Coordinates are written exactly as stored (WGS84 degrees), in serde_json's shortest
//! round-trip form, so reading the file back gives bit-identical values.

use std::fs::{self, File};
use std::io::{self, BufWriter, Write};
use std::path::{Path, PathBuf};

use crate::model::{self, Dataset, Layer, Record};

/// Writes `records` to `path` as a FeatureCollection, one feature per line.
pub fn write_layer<R: Record>(path: &Path, records: &[R]) -> io::Result<()> {
    let mut out = BufWriter::new(File::create(path)?);
    out.write_all(b"{\"type\":\"FeatureCollection\",\"features\":[\n")?;
    for (i, record) in records.iter().enumerate() {
        if i > 0 {
            out.write_all(b",\n")?;
        }
        serde_json::to_writer(&mut out, &model::to_feature(record))?;
    }
    out.write_all(b"\n]}\n")?;
    out.flush()
}

/// Creates `dir` and writes `{layer}.geojson` for every non-empty layer, in `Layer::ALL`
/// order; returns the paths written.
pub fn write_dataset(dir: &Path, data: &Dataset) -> io::Result<Vec<PathBuf>> {
    fs::create_dir_all(dir)?;
    let mut written = Vec::new();
    for &layer in Layer::ALL {
        if data.count(layer) == 0 {
            continue;
        }
        let path = dir.join(format!("{}.geojson", layer.as_str()));
        match layer {
            Layer::Streets => write_layer(&path, &data.streets)?,
            Layer::Communities => write_layer(&path, &data.communities)?,
            Layer::Grids => write_layer(&path, &data.grids)?,
            Layer::Compounds => write_layer(&path, &data.compounds)?,
            Layer::Buildings => write_layer(&path, &data.buildings)?,
            Layer::Stations => write_layer(&path, &data.stations)?,
            Layer::Contacts => write_layer(&path, &data.contacts)?,
            Layer::Walkways => write_layer(&path, &data.walkways)?,
            Layer::Units => write_layer(&path, &data.units)?,
            Layer::CandidateSites => write_layer(&path, &data.candidate_sites)?,
        }
        written.push(path);
    }
    Ok(written)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{Building, Contact, ContactRole, ContactScope, Street};
    use geo::{Geometry, LineString, Point, Polygon};
    use geojson::{FeatureCollection, GeometryValue, feature::Id};

    fn small_dataset() -> Dataset {
        // Awkward values on purpose: they must survive the text round trip bit for bit.
        let ring = LineString::from(vec![(104.0512345, 30.8198765), (104.06, 30.82), (104.06, 30.1 + 0.2), (104.0512345, 30.8198765)]);
        Dataset {
            streets: vec![Street { id: "S01".into(), name: "青龙街道".into(), geometry: Polygon::new(ring.clone(), vec![]).into() }],
            buildings: vec![Building {
                id: "CP0001-B01".into(),
                label: "1栋".into(),
                compound_id: None,
                grid_id: "S01-C01-G01-M01".into(),
                floors: 6,
                units: 2,
                households: 24,
                population: 66,
                has_elevator: false,
                elderly: Some(9),
                children: None,
                geometry: Geometry::Point(Point::new(1.0 / 3.0, -0.0000001)),
            }],
            contacts: vec![Contact {
                id: "CT000001".into(),
                role: ContactRole::GridWorker,
                name: "王芳".into(),
                phone: "139-0000-0001".into(),
                scope: ContactScope::GridId("S01-C01-G01".into()),
            }],
            ..Dataset::default()
        }
    }

    fn read(path: &Path) -> FeatureCollection {
        fs::read_to_string(path).unwrap().parse().unwrap()
    }

    #[test]
    fn writes_one_file_per_non_empty_layer_and_reads_back_exactly() {
        let dir = tempfile::tempdir().unwrap();
        let out = dir.path().join("demo");
        let data = small_dataset();
        let paths = write_dataset(&out, &data).unwrap();
        let names: Vec<_> = paths.iter().map(|p| p.file_name().unwrap().to_str().unwrap()).collect();
        assert_eq!(names, ["streets.geojson", "buildings.geojson", "contacts.geojson"]);

        let streets = read(&paths[0]);
        assert_eq!(streets.features.len(), 1);
        let street = &streets.features[0];
        assert_eq!(street.id, Some(Id::String("S01".into())));
        assert_eq!(street.property("name").and_then(|v| v.as_str()), Some("青龙街道"));
        let Some(GeometryValue::Polygon { coordinates }) = street.geometry.as_ref().map(|g| &g.value) else {
            panic!("street geometry should be a polygon: {street:?}")
        };
        let written: Vec<(f64, f64)> = coordinates[0].iter().map(|p| (p[0], p[1])).collect();
        let Geometry::Polygon(original) = &data.streets[0].geometry else { unreachable!() };
        let original: Vec<(f64, f64)> = original.exterior().coords().map(|c| (c.x, c.y)).collect();
        assert_eq!(written, original);

        let building = &read(&paths[1]).features[0];
        let Some(GeometryValue::Point { coordinates }) = building.geometry.as_ref().map(|g| &g.value) else {
            panic!("building geometry should be a point")
        };
        assert_eq!((coordinates[0], coordinates[1]), (1.0 / 3.0, -0.0000001));
        assert_eq!(building.property("households"), Some(&serde_json::json!(24)));
        assert_eq!(building.property("has_elevator"), Some(&serde_json::json!(false)));
        assert_eq!(building.property("compound_id"), Some(&serde_json::Value::Null));

        let contact = &read(&paths[2]).features[0];
        assert_eq!(contact.id, Some(Id::String("CT000001".into())));
        assert!(contact.geometry.is_none());
        assert_eq!(contact.property("grid_id").and_then(|v| v.as_str()), Some("S01-C01-G01"));
        assert_eq!(contact.property("role").and_then(|v| v.as_str()), Some("grid_worker"));
    }

    #[test]
    fn writes_one_feature_per_line_with_null_geometry_for_contacts() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("contacts.geojson");
        let mut contacts = small_dataset().contacts;
        contacts.push(Contact { id: "CT000002".into(), ..contacts[0].clone() });
        write_layer(&path, &contacts).unwrap();
        let text = fs::read_to_string(&path).unwrap();
        let lines: Vec<&str> = text.lines().collect();
        assert_eq!(lines.len(), 4, "{text}");
        assert!(lines[1].ends_with(',') && lines[1].contains("\"geometry\":null"));
        assert_eq!(read(&path).features.len(), 2);
        write_layer::<Contact>(&path, &[]).unwrap();
        assert!(read(&path).features.is_empty());
    }
}
