//! What GB 50180-2018 expects within each life circle, as data: for every facility kind,
//! the circle it belongs to, the walk that circle allows, the group it serves and how much
//! it weighs in a compound's score.
//!
//! The defaults follow the standard's Appendix B (tables B.0.1–B.0.4, "配套设施设置规定")
//! and its walking radii (section 3.0.4: 15 minutes 800–1,000 m, 10 minutes 500 m,
//! 5 minutes 300 m; the residential block 居住街坊 is 150–250 m across). A district can
//! read other rules from a JSON file ([`Rules::from_json`]); the kinds themselves are the
//! [`FacilityKind`] vocabulary.

use serde::{Deserialize, Serialize};

use super::{Building, CircleLevel, DemandGroup, FacilityKind, StationLevel};

/// Share of residents aged 60 or more where a building has no count: China's seventh
/// census (2020) found 18.7 %.
pub const DEFAULT_ELDERLY_SHARE: f64 = 0.187;
/// Share of residents under 6 where a building has no count: about 6.5 % in the 2020
/// census (ages 0–5).
pub const DEFAULT_CHILDREN_SHARE: f64 = 0.065;

impl Building {
    /// How many of `group` live here: the building's own count, or for the elderly and
    /// children without one, its residents times the census share.
    pub fn demand(&self, group: DemandGroup) -> f64 {
        let estimate = |share: f64| f64::from(self.population) * share;
        match group {
            DemandGroup::Households => f64::from(self.households),
            DemandGroup::Residents => f64::from(self.population),
            DemandGroup::Elderly => self.elderly.map_or_else(|| estimate(DEFAULT_ELDERLY_SHARE), f64::from),
            DemandGroup::Children => self.children.map_or_else(|| estimate(DEFAULT_CHILDREN_SHARE), f64::from),
        }
    }

    /// Whether [`Building::demand`] of `group` is an estimate rather than a count.
    pub fn demand_is_estimated(&self, group: DemandGroup) -> bool {
        match group {
            DemandGroup::Households | DemandGroup::Residents => false,
            DemandGroup::Elderly => self.elderly.is_none(),
            DemandGroup::Children => self.children.is_none(),
        }
    }
}

impl CircleLevel {
    /// The walk the circle allows, in metres (the upper figure of the standard's range).
    pub fn default_limit_m(self) -> f64 {
        match self {
            CircleLevel::Block => 250.0,
            CircleLevel::FiveMinutes => 300.0,
            CircleLevel::TenMinutes => 500.0,
            CircleLevel::FifteenMinutes => 1_000.0,
        }
    }

    /// The "1+N+X" level a facility of this circle usually stands at, for imports that
    /// name none.
    pub fn station_level(self) -> StationLevel {
        match self {
            CircleLevel::FifteenMinutes => StationLevel::Street,
            CircleLevel::TenMinutes => StationLevel::Community,
            CircleLevel::FiveMinutes | CircleLevel::Block => StationLevel::Compound,
        }
    }
}

/// What the standard expects of one facility kind.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct KindRule {
    #[schema(value_type = String)]
    pub kind: FacilityKind,
    #[schema(value_type = String)]
    pub circle: CircleLevel,
    /// The walk within which a compound counts as served, in metres.
    pub limit_m: f64,
    /// Whom the kind serves: the people counted as affected when it is out of reach.
    #[schema(value_type = String)]
    pub group: DemandGroup,
    /// Whether the check requires it of every compound.
    pub required: bool,
    /// Its weight in a compound's score (the score is the weighted share of required
    /// kinds met).
    pub weight: f64,
}

/// The share of a compound's people a kind must reach by default: see [`Rules::pass_share`].
pub const DEFAULT_PASS_SHARE: f64 = 0.9;

/// The rules for every facility kind, in [`FacilityKind::ALL`] order.
#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema)]
pub struct Rules {
    /// A compound passes a kind when at least this share (more than 0, at most 1) of its
    /// people of the kind's group lives in buildings within the kind's limit; 1 asks it of
    /// every building. Planners count a life circle by the share of residents it serves
    /// (TD/T 1062-2021 speaks of coverage rates), not by the farthest building of a big
    /// compound: 0.9 lets a compound's outlying tenth lie beyond the walk without failing it
    /// (the README's "Why 0.9" has the figures).
    pub pass_share: f64,
    pub kinds: Vec<KindRule>,
}

/// The defaults: (kind, circle, group, required).
const DEFAULTS: &[(FacilityKind, CircleLevel, DemandGroup, bool)] = {
    use CircleLevel::*;
    use DemandGroup::*;
    use FacilityKind::*;
    &[
        // The "1+N+X" stations (Chengdu's 党群服务中心 matrix): the street centre serves the
        // 15-minute circle, a community centre the 10-minute one, a compound station the
        // 5-minute one (GB 50180 B.0.3 社区服务站).
        (PartyMassCentre, FifteenMinutes, Residents, true),
        (CommunityCentre, TenMinutes, Residents, true),
        (CompoundStation, FiveMinutes, Households, true),
        // B.0.3: 老年人日间照料中心 (托老所), 社区食堂, 社区卫生服务站, 文化活动站.
        (ElderlyDayCare, FiveMinutes, Elderly, true),
        (Canteen, FiveMinutes, Elderly, true),
        (Clinic, FiveMinutes, Residents, true),
        (Library, FiveMinutes, Residents, false),
        // Not in the standard's tables: kept, not required.
        (DisabilityHome, FifteenMinutes, Residents, false),
        (YouthSpace, TenMinutes, Residents, false),
        // B.0.3 幼儿园 (service radius ≤ 300 m); B.0.2 小学 (≤ 500 m); B.0.1 初中 (≤ 1,000 m).
        (Kindergarten, FiveMinutes, Children, true),
        (PrimarySchool, TenMinutes, Residents, true),
        (MiddleSchool, FifteenMinutes, Residents, true),
        // B.0.1 社区卫生服务中心.
        (HealthCentre, FifteenMinutes, Residents, true),
        // B.0.2 菜市场或生鲜超市; B.0.4 (居住街坊) 便利店.
        (VegetableMarket, TenMinutes, Households, true),
        (ConvenienceStore, Block, Households, true),
        // B.0.1 大型多功能运动场地; B.0.3 公园、广场 (小游园) within five minutes.
        (SportsGround, FifteenMinutes, Residents, true),
        (ParkSquare, FiveMinutes, Residents, true),
        // B.0.3 公共厕所; B.0.4 生活垃圾收集点.
        (PublicToilet, FiveMinutes, Residents, true),
        (WastePoint, Block, Households, true),
        // B.0.2 lists pharmacies among the 10-minute circle's shops (商业服务设施).
        (Pharmacy, TenMinutes, Residents, true),
    ]
};

/// Daily needs close to home weigh more in the score: the block and the 5-minute circle
/// 1.5, the 10- and 15-minute circles 1.0.
fn default_weight(circle: CircleLevel) -> f64 {
    match circle {
        CircleLevel::Block | CircleLevel::FiveMinutes => 1.5,
        CircleLevel::TenMinutes | CircleLevel::FifteenMinutes => 1.0,
    }
}

impl Default for Rules {
    fn default() -> Rules {
        let kinds = FacilityKind::ALL
            .iter()
            .map(|&kind| {
                let &(_, circle, group, required) = DEFAULTS.iter().find(|d| d.0 == kind).expect("every facility kind has a default rule");
                KindRule { kind, circle, limit_m: circle.default_limit_m(), group, required, weight: default_weight(circle) }
            })
            .collect();
        Rules { pass_share: DEFAULT_PASS_SHARE, kinds }
    }
}

impl Rules {
    /// The rule of one kind.
    pub fn of(&self, kind: FacilityKind) -> &KindRule {
        self.kinds.iter().find(|r| r.kind == kind).expect("rules cover every kind")
    }

    /// The kinds every compound must reach.
    pub fn required(&self) -> impl Iterator<Item = &KindRule> {
        self.kinds.iter().filter(|r| r.required)
    }

    /// Rules read from JSON: either a list of per-kind overrides, or an object with any of
    /// `pass_share` and `kinds` (that list), the shape `/api/lifecircle/rules` answers in.
    /// Each override names its `kind` and any of `circle`, `limit_m` (defaults to the
    /// circle's), `group`, `required`, `weight`; kinds not listed keep their defaults. The
    /// error names the entry and field at fault.
    pub fn from_json(text: &str) -> Result<Rules, String> {
        #[derive(Deserialize)]
        #[serde(deny_unknown_fields)]
        struct Override {
            kind: FacilityKind,
            circle: Option<CircleLevel>,
            limit_m: Option<f64>,
            group: Option<DemandGroup>,
            required: Option<bool>,
            weight: Option<f64>,
        }
        #[derive(Deserialize)]
        #[serde(deny_unknown_fields)]
        struct File {
            // Read as any value, so that a string or a list is refused naming the field.
            pass_share: Option<serde_json::Value>,
            #[serde(default)]
            kinds: Vec<serde_json::Value>,
        }
        let fail = |message: String| format!("life-circle rules: {message}");
        let file = match serde_json::from_str(text).map_err(|e| fail(e.to_string()))? {
            serde_json::Value::Array(kinds) => File { pass_share: None, kinds },
            object @ serde_json::Value::Object(_) => serde_json::from_value(object).map_err(|e| fail(e.to_string()))?,
            _ => return Err(fail("expected a list of per-kind rules, or an object with pass_share and kinds".into())),
        };
        let mut rules = Rules::default();
        if let Some(given) = file.pass_share {
            match given.as_f64() {
                Some(share) if share > 0.0 && share <= 1.0 => rules.pass_share = share,
                _ => return Err(fail(format!("pass_share {given} must be a number more than 0 and at most 1"))),
            }
        }
        for (i, entry) in file.kinds.into_iter().enumerate() {
            let o: Override = serde_json::from_value(entry).map_err(|e| fail(format!("entry {i}: {e}")))?;
            let rule = rules.kinds.iter_mut().find(|r| r.kind == o.kind).expect("rules cover every kind");
            if let Some(circle) = o.circle {
                rule.circle = circle;
                rule.limit_m = circle.default_limit_m();
            }
            if let Some(limit) = o.limit_m {
                if !(limit.is_finite() && limit > 0.0 && limit <= 5_000.0) {
                    return Err(fail(format!("entry {i} ({}): limit_m {limit} must be more than 0 and at most 5000", o.kind)));
                }
                rule.limit_m = limit;
            }
            if let Some(weight) = o.weight {
                if !(weight.is_finite() && weight >= 0.0) {
                    return Err(fail(format!("entry {i} ({}): weight {weight} must be 0 or more", o.kind)));
                }
                rule.weight = weight;
            }
            rule.group = o.group.unwrap_or(rule.group);
            rule.required = o.required.unwrap_or(rule.required);
        }
        Ok(rules)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_kind_has_one_rule_with_the_standard_radii() {
        let rules = Rules::default();
        assert_eq!(rules.kinds.iter().map(|r| r.kind).collect::<Vec<_>>(), FacilityKind::ALL);
        assert_eq!(rules.of(FacilityKind::Kindergarten).limit_m, 300.0);
        assert_eq!(rules.of(FacilityKind::Kindergarten).group, DemandGroup::Children);
        assert_eq!(rules.of(FacilityKind::PrimarySchool).limit_m, 500.0);
        assert_eq!(rules.of(FacilityKind::MiddleSchool).limit_m, 1_000.0);
        assert_eq!(rules.of(FacilityKind::ElderlyDayCare).group, DemandGroup::Elderly);
        assert!(!rules.of(FacilityKind::DisabilityHome).required);
        assert_eq!(DEFAULTS.len(), FacilityKind::ALL.len(), "one default per kind");
    }

    #[test]
    fn a_file_overrides_some_kinds_and_names_what_is_wrong() {
        let rules =
            Rules::from_json(r#"[{"kind": "pharmacy", "circle": "fifteen_minutes"}, {"kind": "library", "required": true, "weight": 3}]"#)
                .unwrap();
        assert_eq!(rules.of(FacilityKind::Pharmacy).limit_m, 1_000.0);
        assert!(rules.of(FacilityKind::Library).required && rules.of(FacilityKind::Library).weight == 3.0);
        assert_eq!(rules.of(FacilityKind::Clinic), Rules::default().of(FacilityKind::Clinic));
        let err = Rules::from_json(r#"[{"kind": "castle"}]"#).unwrap_err();
        assert!(err.contains("castle") && err.contains("pharmacy"), "{err}");
        let err = Rules::from_json(r#"[{"kind": "clinic", "limit_m": -3}]"#).unwrap_err();
        assert!(err.contains("entry 0") && err.contains("limit_m"), "{err}");
        let err = Rules::from_json(r#"[{"kind": "clinic"}, {"kind": "clinic", "walk": 3}]"#).unwrap_err();
        assert!(err.contains("entry 1") && err.contains("walk"), "{err}");
    }

    #[test]
    fn a_file_sets_the_pass_share_and_a_bad_one_is_named() {
        assert_eq!(Rules::default().pass_share, DEFAULT_PASS_SHARE);
        let rules = Rules::from_json(r#"{"pass_share": 0.75, "kinds": [{"kind": "library", "required": true}]}"#).unwrap();
        assert_eq!(rules.pass_share, 0.75);
        assert!(rules.of(FacilityKind::Library).required);
        assert_eq!(Rules::from_json(r#"{"pass_share": 1}"#).unwrap().pass_share, 1.0);
        assert_eq!(Rules::from_json(r#"{"kinds": []}"#).unwrap(), Rules::default());
        // What /api/lifecircle/rules answers reads back as the same rules.
        let mut changed = Rules { pass_share: 0.8, ..Rules::default() };
        changed.kinds[3].limit_m = 420.0;
        assert_eq!(Rules::from_json(&serde_json::to_string(&changed).unwrap()).unwrap(), changed);
        for bad in ["0", "-0.5", "1.01", "\"most\"", "[0.9]"] {
            let err = Rules::from_json(&format!(r#"{{"pass_share": {bad}}}"#)).unwrap_err();
            assert!(err.contains("pass_share"), "{bad}: {err}");
        }
        let err = Rules::from_json(r#"{"passshare": 0.9}"#).unwrap_err();
        assert!(err.contains("passshare") && err.contains("pass_share"), "{err}");
        let err = Rules::from_json("0.9").unwrap_err();
        assert!(err.contains("pass_share") && err.contains("list"), "{err}");
    }
}
