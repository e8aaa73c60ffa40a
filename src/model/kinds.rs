//! Closed vocabularies of the domain (DESIGN.md): each enum serialises to the snake_case
//! word used in GeoJSON properties, the database and the API.

use super::vocabulary::vocabulary;

vocabulary! {
    /// The stored layers, in parent-before-child order (the order an import of everything must follow).
    Layer {
        Streets = "streets" / "街道" / "street offices",
        Communities = "communities" / "社区" / "communities",
        Grids = "grids" / "网格" / "grids",
        Compounds = "compounds" / "小区" / "compounds",
        Buildings = "buildings" / "楼栋" / "buildings",
        Stations = "stations" / "服务站点" / "service stations",
        Contacts = "contacts" / "联系人" / "contacts",
        Walkways = "walkways" / "步行路网" / "walkways",
        Units = "units" / "处置单位" / "responding units",
        CandidateSites = "candidate_sites" / "候选站址" / "candidate sites",
    }
}

vocabulary! {
    /// What a candidate site for a new station is: a compound's public room (公共用房), an
    /// idle plot on the street, or a vacant flat or shop.
    SiteKind {
        PublicRoom = "public_room" / "公共用房" / "public room",
        IdleSite = "idle_site" / "闲置场地" / "idle site",
        VacantRoom = "vacant_room" / "空置房屋" / "vacant room",
    }
}

vocabulary! {
    /// 网格 (about 300–500 households) or 微网格 (50–80 households, often one building).
    GridLevel {
        Grid = "grid" / "网格" / "grid",
        MicroGrid = "micro_grid" / "微网格" / "micro-grid",
    }
}

vocabulary! {
    /// Kinds of 小区 that governance treats differently.
    CompoundKind {
        Resettlement = "resettlement" / "安置小区" / "resettlement compound",
        Old = "old" / "老旧小区" / "old compound",
        SuperLarge = "super_large" / "超大小区" / "super-large compound",
        Commodity = "commodity" / "商品房小区" / "commodity housing",
    }
}

vocabulary! {
    /// Facility kinds: the nine "1+N+X" service-station kinds named in the source documents,
    /// then the daily facilities of GB 50180-2018 Appendix B that residents walk to. Each
    /// kind's life circle and the group it serves are data, in [`super::lifecircle`].
    FacilityKind {
        PartyMassCentre = "party_mass_centre" / "党群服务中心" / "party-mass service centre",
        CommunityCentre = "community_centre" / "社区党群服务中心" / "community centre",
        CompoundStation = "compound_station" / "小区党群服务站" / "compound station",
        ElderlyDayCare = "elderly_day_care" / "老年人日间照料中心" / "elderly day care",
        Canteen = "canteen" / "社区食堂" / "community canteen",
        Clinic = "clinic" / "社区卫生服务站" / "community clinic",
        Library = "library" / "书屋" / "reading room",
        DisabilityHome = "disability_home" / "残疾人之家" / "disability home",
        YouthSpace = "youth_space" / "青少年活动空间" / "youth space",
        Kindergarten = "kindergarten" / "幼儿园" / "kindergarten",
        PrimarySchool = "primary_school" / "小学" / "primary school",
        MiddleSchool = "middle_school" / "中学" / "middle school",
        HealthCentre = "health_centre" / "社区卫生服务中心" / "community health centre",
        VegetableMarket = "vegetable_market" / "菜市场" / "vegetable market",
        ConvenienceStore = "convenience_store" / "超市便利店" / "supermarket or convenience store",
        SportsGround = "sports_ground" / "运动场地" / "sports ground",
        ParkSquare = "park_square" / "公园广场" / "park or square",
        PublicToilet = "public_toilet" / "公共厕所" / "public toilet",
        WastePoint = "waste_point" / "垃圾收集点" / "waste collection point",
        Pharmacy = "pharmacy" / "药店" / "pharmacy",
    }
}

vocabulary! {
    /// The life circles of GB 50180-2018 (section 2 and table 3.0.4): the residential block
    /// (居住街坊) and the 5-, 10- and 15-minute walks.
    CircleLevel {
        Block = "block" / "居住街坊" / "residential block",
        FiveMinutes = "five_minutes" / "5分钟生活圈" / "5-minute life circle",
        TenMinutes = "ten_minutes" / "10分钟生活圈" / "10-minute life circle",
        FifteenMinutes = "fifteen_minutes" / "15分钟生活圈" / "15-minute life circle",
    }
}

vocabulary! {
    /// Whom coverage counts: every household alike, every resident, the over-60s or the
    /// children under 6 (the groups day-care centres and kindergartens serve).
    DemandGroup {
        Households = "households" / "户数" / "households",
        Residents = "residents" / "常住人口" / "residents",
        Elderly = "elderly" / "60岁以上老人" / "elderly (60+)",
        Children = "children" / "6岁以下儿童" / "children under 6",
    }
}

vocabulary! {
    /// Place in the "1+N+X" station matrix: 1 street centre, N community centres, X compound/grid stations.
    StationLevel {
        Street = "street" / "街道级(1)" / "street level (1)",
        Community = "community" / "社区级(N)" / "community level (N)",
        Compound = "compound" / "小区级(X)" / "compound level (X)",
    }
}

vocabulary! {
    /// Roles on the public "四有" contact board, plus grid worker and property manager.
    ContactRole {
        StreetLeader = "street_leader" / "街道领导" / "street leader",
        PoliceOfficer = "police_officer" / "民警" / "police officer",
        CommunityCadre = "community_cadre" / "社区干部" / "community cadre",
        BuildingHead = "building_head" / "楼栋长" / "building head",
        GridWorker = "grid_worker" / "网格员" / "grid worker",
        PropertyManager = "property_manager" / "物业经理" / "property manager",
    }
}

vocabulary! {
    /// Kinds of 处置单位, the bodies a case is dispatched to (DESIGN.md "Units").
    UnitKind {
        PropertyCompany = "property_company" / "物业公司" / "property company",
        CommunityOffice = "community_office" / "社区居委会" / "community office",
        StreetDepartment = "street_department" / "街道科室" / "street department",
        PoliceStation = "police_station" / "派出所" / "police station",
        UrbanManagement = "urban_management" / "城管" / "urban management",
        OwnersCouncil = "owners_council" / "业主议事会" / "owners' council",
        Other = "other" / "其他" / "other",
    }
}

impl Layer {
    /// Whether features of this layer carry a geometry (contacts and units do not).
    pub fn has_geometry(self) -> bool {
        !matches!(self, Layer::Contacts | Layer::Units)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_wire_words_and_names_allowed_values_on_error() {
        assert_eq!("super_large".parse::<CompoundKind>(), Ok(CompoundKind::SuperLarge));
        let err = "castle".parse::<CompoundKind>().unwrap_err();
        assert!(err.contains("castle") && err.contains("resettlement, old, super_large, commodity"), "{err}");
    }

    #[test]
    fn serde_and_as_str_agree() {
        for kind in FacilityKind::ALL {
            let json = serde_json::to_string(kind).unwrap();
            assert_eq!(json, format!("\"{}\"", kind.as_str()));
        }
    }
}
