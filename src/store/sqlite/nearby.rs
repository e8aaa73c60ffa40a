//! The open reports near a point (duplicate hints), cut to the nearest few in SQL.

use sqlx::{QueryBuilder, Sqlite, SqlitePool};

use super::reports::{SELECT_REPORT, report_from};
use crate::geodesy::{METRES_PER_DEGREE_LAT, metres_per_degree_lon};
use crate::model::reports::Report;
use crate::store::{NearbyQuery, StoreError};

/// The nearest open reports a query selects, and their count: a count and a sorted,
/// limited select, so a burst of thousands of cases at one point costs no memory here. One
/// read transaction, so that both see the same cases.
pub async fn open_near(pool: &SqlitePool, near: &NearbyQuery<'_>) -> Result<(Vec<Report>, u64), StoreError> {
    let mut tx = pool.begin().await?;
    let mut count = QueryBuilder::<Sqlite>::new("SELECT COUNT(*) FROM reports r");
    push_near(&mut count, near);
    let total: i64 = count.build_query_scalar().fetch_one(&mut *tx).await?;
    let mut select = QueryBuilder::<Sqlite>::new(SELECT_REPORT);
    push_near(&mut select, near);
    select.push(" ORDER BY ");
    push_squared_distance(&mut select, near);
    select.push(", r.id LIMIT ").push_bind(i64::from(near.limit));
    let rows = select.build().fetch_all(&mut *tx).await?;
    tx.commit().await?;
    Ok((rows.iter().map(report_from).collect::<Result<_, _>>()?, total as u64))
}

/// `WHERE …` for a nearby query: the box around the circle (which the place index serves),
/// then the circle itself.
fn push_near(query: &mut QueryBuilder<Sqlite>, near: &NearbyQuery<'_>) {
    let (per_lon, per_lat) = metres_per_degree(near.lat);
    let (dlon, dlat) = (near.radius_m / per_lon, near.radius_m / per_lat);
    query.push(" WHERE r.category = ").push_bind(near.category.as_str());
    query.push(" AND r.lat BETWEEN ").push_bind(near.lat - dlat).push(" AND ").push_bind(near.lat + dlat);
    query.push(" AND r.lon BETWEEN ").push_bind(near.lon - dlon).push(" AND ").push_bind(near.lon + dlon);
    query.push(" AND r.created_at >= ").push_bind(near.created_from);
    query.push(" AND r.state IN ('received', 'accepted', 'dispatched', 'in_progress')");
    if let Some(case) = near.except {
        query.push(" AND r.case_number <> ").push_bind(case.to_owned());
    }
    query.push(" AND ");
    push_squared_distance(query, near);
    query.push(" <= ").push_bind(near.radius_m * near.radius_m);
}

/// The squared equirectangular distance from the query's centre in square metres.
fn push_squared_distance(query: &mut QueryBuilder<Sqlite>, near: &NearbyQuery<'_>) {
    let (per_lon, per_lat) = metres_per_degree(near.lat);
    query.push("((r.lon - ").push_bind(near.lon).push(") * ").push_bind(per_lon);
    query.push(") * ((r.lon - ").push_bind(near.lon).push(") * ").push_bind(per_lon);
    query.push(") + ((r.lat - ").push_bind(near.lat).push(") * ").push_bind(per_lat);
    query.push(") * ((r.lat - ").push_bind(near.lat).push(") * ").push_bind(per_lat).push(")");
}

/// Metres per degree of longitude and of latitude at a latitude (degrees).
fn metres_per_degree(lat: f64) -> (f64, f64) {
    // Kept above zero so that a point at a pole still gives a finite box.
    (metres_per_degree_lon(lat).max(METRES_PER_DEGREE_LAT * 1e-9), METRES_PER_DEGREE_LAT)
}
