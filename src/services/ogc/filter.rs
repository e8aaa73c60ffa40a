//! Which features an items request keeps: `filter` in CQL2 (text or JSON, parsed by the
//! `cql2` crate and evaluated per feature) and the simple `name=value` property filters of
//! Part 3. Every property named must be a queryable of the collection, or the request is
//! refused naming it: a typo must not silently match nothing.

use geo::BoundingRect;
use rstar::AABB;
use serde_json::Value;

use super::queryables::{self, Queryable, Type};
use crate::services::ServiceError;

/// The encodings `filter-lang` may name.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FilterLang {
    Text,
    Json,
}

impl std::str::FromStr for FilterLang {
    type Err = String;

    fn from_str(text: &str) -> Result<FilterLang, String> {
        match text {
            "cql2-text" => Ok(FilterLang::Text),
            "cql2-json" => Ok(FilterLang::Json),
            other => Err(format!("unknown value {other:?}, expected cql2-text or cql2-json")),
        }
    }
}

/// A parsed CQL2 filter, checked against a collection's queryables.
#[derive(Debug, Clone)]
pub struct Filter {
    expr: cql2::Expr,
    /// A box every match must meet, when the filter is (or is ANDed with) `S_INTERSECTS`
    /// of the geometry: lets the R-tree narrow the candidates first.
    ///
    /// # Units
    /// lon/lat degrees (WGS84).
    pub envelope: Option<AABB<[f64; 2]>>,
}

fn invalid(reason: impl Into<String>) -> ServiceError {
    ServiceError::InvalidParameter { parameter: "filter", reason: reason.into() }
}

impl Filter {
    pub fn parse(text: &str, lang: FilterLang, queryables: &[Queryable]) -> Result<Filter, ServiceError> {
        let expr = parse_bounded(text, lang)?;
        let mut named = Vec::new();
        properties(&expr, &mut named);
        if let Some(unknown) = named.iter().find(|name| queryables::find(queryables, name).is_none()) {
            return Err(invalid(format!("unknown property {unknown:?}; the queryables are: {}", queryables::names(queryables))));
        }
        if let Some(op) = operators(&expr).find(|op| !OPERATORS.iter().any(|known| known.eq_ignore_ascii_case(op))) {
            return Err(invalid(format!("operator or function {op:?} is not supported; supported are: {}", OPERATORS.join(", "))));
        }
        let envelope = spatial_envelope(&expr)?;
        Ok(Filter { expr, envelope })
    }

    /// Whether a GeoJSON feature (with `id`, `geometry` and `properties`) passes. A
    /// comparison with a null value is unknown, and an unknown answer is no match, as CQL2
    /// says (the crate leaves such a term unreduced).
    pub fn matches(&self, feature: &Value) -> Result<bool, ServiceError> {
        let reduced = self.expr.clone().reduce(Some(feature)).map_err(|e| invalid(format!("cannot be evaluated: {e}")))?;
        Ok(reduced.is_true())
    }
}

/// The longest filter accepted (the URI limit is 8 KiB in all).
const MAX_FILTER_BYTES: usize = 4096;
/// The deepest expression accepted. Real filters nest a few levels; evaluation recurses once
/// per level on the request's own (2 MiB) stack.
const MAX_DEPTH: usize = 20;
/// The deepest bracket nesting accepted in CQL2 text: a multipolygon inside `S_INTERSECTS`
/// is 4, grouping adds a few.
const MAX_BRACKET_DEPTH: usize = 10;
/// The stack the parser runs on. It recurses once per nesting level, at up to tens of KiB a
/// level in a debug build: `a = 1 + 1 + …` a hundred times deep overflowed 2 MiB, and a stack
/// overflow aborts the whole server. 256 MiB (address space, used only as deep as needed)
/// parsed 4,000 levels, more than [`MAX_FILTER_BYTES`] can hold.
const PARSE_STACK_BYTES: usize = 256 << 20;

/// Parses on a thread of its own with a deep stack, and refuses trees deeper than
/// [`MAX_DEPTH`] there (so that even dropping them happens on that stack).
fn parse_bounded(text: &str, lang: FilterLang) -> Result<cql2::Expr, ServiceError> {
    if text.len() > MAX_FILTER_BYTES {
        return Err(invalid(format!("{} bytes long; at most {MAX_FILTER_BYTES} are accepted", text.len())));
    }
    if lang == FilterLang::Text {
        let nesting = bracket_depth(text);
        if nesting > MAX_BRACKET_DEPTH {
            return Err(invalid(format!("nested {nesting} brackets deep; at most {MAX_BRACKET_DEPTH} are accepted")));
        }
    }
    let text = text.to_owned();
    let parse = move || -> Result<cql2::Expr, String> {
        let expr = match lang {
            FilterLang::Text => cql2::parse_text(&text).map_err(|e| format!("not CQL2 text: {e}"))?,
            FilterLang::Json => cql2::parse_json(&text).map_err(|e| format!("not CQL2 JSON: {e}"))?,
        };
        match depth(&expr) {
            d if d > MAX_DEPTH => Err(format!("nested {d} levels deep; at most {MAX_DEPTH} are accepted")),
            _ => Ok(expr),
        }
    };
    let parser = std::thread::Builder::new().name("cql2-parse".into()).stack_size(PARSE_STACK_BYTES).spawn(parse);
    let parser = parser.map_err(|cause| {
        // The reason goes to the log; the caller learns only that it may retry.
        tracing::warn!("cannot start a CQL2 parser thread: {cause}");
        ServiceError::Busy { retry_after_s: 1 }
    })?;
    parser.join().map_err(|_| invalid("could not be parsed"))?.map_err(invalid)
}

/// The deepest bracket nesting in CQL2 text, outside quoted strings. The `cql2` crate's
/// grammar backtracks at each open bracket: 15 of them took 0.7 s to refuse, 20 never
/// finished, so depth is checked before the parser sees the text.
fn bracket_depth(text: &str) -> usize {
    let (mut depth, mut deepest, mut quoted) = (0usize, 0usize, false);
    for c in text.chars() {
        match c {
            '\'' => quoted = !quoted,
            '(' | '[' if !quoted => {
                depth += 1;
                deepest = deepest.max(depth);
            }
            ')' | ']' if !quoted => depth = depth.saturating_sub(1),
            _ => {}
        }
    }
    deepest
}

/// How deeply an expression nests.
fn depth(expr: &cql2::Expr) -> usize {
    use cql2::Expr;
    let deepest = |args: &[Box<Expr>]| args.iter().map(|a| depth(a)).max().unwrap_or(0);
    1 + match expr {
        Expr::Operation { args, .. } | Expr::Interval { interval: args } | Expr::Array(args) | Expr::BBox { bbox: args } => deepest(args),
        Expr::Timestamp { timestamp: inner } | Expr::Date { date: inner } => depth(inner),
        Expr::Property { .. } | Expr::Float(_) | Expr::Literal(_) | Expr::Bool(_) | Expr::Geometry(_) | Expr::Null => 0,
    }
}

/// The operators of Basic CQL2, Advanced Comparison Operators and Basic Spatial Functions,
/// as the crate spells them: the conformance classes claimed. Others are refused rather
/// than left to match nothing.
const OPERATORS: [&str; 14] = ["and", "or", "not", "=", "<>", "<", "<=", ">", ">=", "like", "between", "in", "isNull", "s_intersects"];

/// Every operator an expression uses.
fn operators(expr: &cql2::Expr) -> Box<dyn Iterator<Item = &str> + '_> {
    use cql2::Expr;
    match expr {
        Expr::Operation { op, args } => Box::new(std::iter::once(op.as_str()).chain(args.iter().flat_map(|a| operators(a)))),
        Expr::Interval { interval: args } | Expr::Array(args) | Expr::BBox { bbox: args } => {
            Box::new(args.iter().flat_map(|a| operators(a)))
        }
        Expr::Timestamp { timestamp: inner } | Expr::Date { date: inner } => operators(inner),
        Expr::Property { .. } | Expr::Float(_) | Expr::Literal(_) | Expr::Bool(_) | Expr::Geometry(_) | Expr::Null => {
            Box::new(std::iter::empty())
        }
    }
}

/// Every property name an expression uses.
fn properties(expr: &cql2::Expr, out: &mut Vec<String>) {
    use cql2::Expr;
    match expr {
        Expr::Property { property } => out.push(property.clone()),
        Expr::Operation { args, .. } | Expr::Interval { interval: args } | Expr::Array(args) | Expr::BBox { bbox: args } => {
            args.iter().for_each(|a| properties(a, out))
        }
        Expr::Timestamp { timestamp: inner } | Expr::Date { date: inner } => properties(inner, out),
        Expr::Float(_) | Expr::Literal(_) | Expr::Bool(_) | Expr::Geometry(_) | Expr::Null => {}
    }
}

/// The bounds of the shape in a top-level `S_INTERSECTS(geometry, shape)` (alone or in an
/// AND), for prefiltering; `None` when there is no such term.
fn spatial_envelope(expr: &cql2::Expr) -> Result<Option<AABB<[f64; 2]>>, ServiceError> {
    use cql2::Expr;
    let Expr::Operation { op, args } = expr else { return Ok(None) };
    if op.eq_ignore_ascii_case("and") {
        for arg in args {
            if let Some(envelope) = spatial_envelope(arg)? {
                return Ok(Some(envelope));
            }
        }
        return Ok(None);
    }
    if !op.eq_ignore_ascii_case("s_intersects") {
        return Ok(None);
    }
    let shape = match args.as_slice() {
        [a, b] if matches!(a.as_ref(), Expr::Property { property } if property == "geometry") => b,
        [a, b] if matches!(b.as_ref(), Expr::Property { property } if property == "geometry") => a,
        _ => return Ok(None),
    };
    if !matches!(shape.as_ref(), Expr::Geometry(_) | Expr::BBox { .. }) {
        return Ok(None);
    }
    let geometry = geo::Geometry::try_from(shape.as_ref().clone()).map_err(|e| invalid(format!("bad geometry in S_INTERSECTS: {e}")))?;
    Ok(geometry.bounding_rect().map(|r| AABB::from_corners([r.min().x, r.min().y], [r.max().x, r.max().y])))
}

/// `name=value` from the query string: the feature's property must equal the value, read
/// as the queryable's type.
#[derive(Debug, Clone, PartialEq)]
pub struct Equals {
    pub name: String,
    pub value: Value,
}

impl Equals {
    /// `Ok(None)` when `name` is no queryable (the caller decides whether that is an error).
    pub fn parse(name: &str, text: &str, queryables: &[Queryable]) -> Result<Option<Equals>, ServiceError> {
        let Some(at) = queryables::find(queryables, name) else { return Ok(None) };
        let queryable = &queryables[at];
        let bad = |reason: String| ServiceError::InvalidParameter { parameter: queryable.name, reason };
        let value = match &queryable.kind {
            Type::Integer => Value::from(text.trim().parse::<i64>().map_err(|_| bad(format!("{text:?} is not an integer")))?),
            Type::Number => Value::from(
                text.trim().parse::<f64>().ok().filter(|x| x.is_finite()).ok_or_else(|| bad(format!("{text:?} is not a number")))?,
            ),
            Type::Boolean => Value::from(text.trim().parse::<bool>().map_err(|_| bad(format!("{text:?} is not true or false")))?),
            Type::Word(words) if !words.contains(&text) => {
                return Err(bad(format!("unknown value {text:?}, expected one of: {}", words.join(", "))));
            }
            Type::Geometry(_) => return Err(bad("geometry cannot be compared by value; use bbox or filter=S_INTERSECTS(…)".into())),
            Type::String | Type::DateTime | Type::Word(_) => Value::from(text),
        };
        Ok(Some(Equals { name: queryable.name.to_owned(), value }))
    }

    pub fn matches(&self, feature: &Value) -> bool {
        let actual = if self.name == "id" { &feature["id"] } else { &feature["properties"][&self.name] };
        actual == &self.value
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::Layer;
    use crate::services::ogc::Collection;
    use serde_json::json;

    fn stations() -> Vec<Queryable> {
        queryables::of(Collection::Layer(Layer::Stations))
    }

    #[test]
    fn unknown_properties_are_named() {
        let error = Filter::parse("kind = 'clinic' and colour = 'red'", FilterLang::Text, &stations()).unwrap_err();
        assert!(error.to_string().contains("\"colour\""), "{error}");
        let error = Filter::parse(r#"{"op":"=","args":[{"property":"size"},1]}"#, FilterLang::Json, &stations()).unwrap_err();
        assert!(error.to_string().contains("\"size\""), "{error}");
        assert!(Filter::parse("kind = ", FilterLang::Text, &stations()).is_err());
        let error = Filter::parse("S_WITHIN(geometry, BBOX(1, 2, 3, 4))", FilterLang::Text, &stations()).unwrap_err();
        assert!(error.to_string().contains("s_within"), "{error}");
    }

    #[test]
    fn deep_or_long_filters_are_refused_not_a_stack_overflow() {
        // Each of these once aborted the process on a 2 MiB stack.
        for text in [format!("a = 1{}", " + 1".repeat(300)), format!("{}kind = 'clinic'", "NOT ".repeat(500)), "(".repeat(2000)] {
            let error = Filter::parse(&text, FilterLang::Text, &stations()).unwrap_err().to_string();
            assert!(error.contains("filter"), "{error}");
        }
        let error = Filter::parse(&"x".repeat(5000), FilterLang::Text, &stations()).unwrap_err().to_string();
        assert!(error.contains("4096"), "{error}");
        let error =
            Filter::parse(&format!("{}kind = 'clinic'{}", "(".repeat(11), ")".repeat(11)), FilterLang::Text, &stations()).unwrap_err();
        assert!(error.to_string().contains("brackets"), "{error}");
        let grouped = format!(
            "{}kind = 'clinic'{} AND S_INTERSECTS(geometry, POLYGON((104 30, 105 30, 105 31, 104 30)))",
            "(".repeat(5),
            ")".repeat(5)
        );
        assert!(Filter::parse(&grouped, FilterLang::Text, &stations()).is_ok());
        assert!(Filter::parse("name = '((((((((((((('", FilterLang::Text, &stations()).is_ok(), "brackets in strings do not count");
        let shallow = format!("{}kind = 'clinic'", "NOT ".repeat(10));
        assert!(Filter::parse(&shallow, FilterLang::Text, &stations()).is_ok());
    }

    #[test]
    fn a_conjunct_s_intersects_gives_the_prefilter_box() {
        let text = "kind = 'clinic' AND S_INTERSECTS(geometry, POLYGON((104 30, 105 30, 105 31.5, 104 30)))";
        let filter = Filter::parse(text, FilterLang::Text, &stations()).unwrap();
        assert_eq!(filter.envelope, Some(AABB::from_corners([104.0, 30.0], [105.0, 31.5])));
        let either = Filter::parse("kind = 'clinic' OR S_INTERSECTS(geometry, BBOX(104, 30, 105, 31))", FilterLang::Text, &stations());
        assert_eq!(either.unwrap().envelope, None, "an OR may match outside the box");
    }

    #[test]
    fn matches_features_by_property_and_place() {
        let feature = json!({"type": "Feature", "id": "S1", "geometry": {"type": "Point", "coordinates": [104.5, 30.5]},
                             "properties": {"name": "东站", "kind": "clinic", "phone": null}});
        let filter = |text: &str| Filter::parse(text, FilterLang::Text, &stations()).unwrap().matches(&feature).unwrap();
        assert!(filter("kind = 'clinic' AND S_INTERSECTS(geometry, BBOX(104, 30, 105, 31))"));
        assert!(!filter("S_INTERSECTS(geometry, BBOX(104.6, 30, 105, 31))"));
        assert!(filter("phone IS NULL AND id IN ('S1', 'S2') AND name LIKE '东%'"));
        assert!(!filter("phone = '1'"), "a comparison with null is no match");
        let equals = Equals::parse("kind", "clinic", &stations()).unwrap().unwrap();
        assert!(equals.matches(&feature));
        assert!(Equals::parse("kind", "castle", &stations()).unwrap_err().to_string().contains("castle"));
        assert_eq!(Equals::parse("colour", "red", &stations()).unwrap(), None);
    }
}
