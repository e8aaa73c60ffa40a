//! Names of places and people, property companies, and the public "四有" contact board.
//! Every name and phone number here is fictional.

use std::collections::HashMap;

use rand::Rng;
use rand::seq::SliceRandom;
use rand_chacha::ChaCha8Rng;

use crate::model::{CompoundKind, Contact, ContactRole, ContactScope, Dataset, GridLevel};

const SURNAMES: &[&str] = &[
    "王", "李", "张", "刘", "陈", "杨", "黄", "赵", "吴", "周", "徐", "孙", "马", "朱", "胡", "郭", "何", "高", "林", "罗", "郑", "梁",
    "谢", "宋", "唐", "许", "韩", "冯", "邓", "曹", "彭", "曾", "肖", "田", "董", "袁", "潘", "蒋", "蔡", "余", "杜", "叶", "程", "苏",
    "魏", "吕", "丁", "任", "沈", "姚", "卢", "钟", "谭", "廖", "范", "汪", "雷", "付", "邹", "熊",
];
const GIVEN: &[&str] = &[
    "伟", "芳", "娜", "敏", "静", "丽", "强", "磊", "军", "洋", "勇", "艳", "杰", "娟", "涛", "明", "超", "霞", "平", "刚", "兰", "华",
    "红", "建", "国", "文", "玉", "英", "志", "成", "海", "燕", "婷", "雪", "琳", "晓", "宇", "浩", "凯", "鹏", "莉", "萍", "梅", "秀",
    "德", "春", "林", "斌", "蓉", "川", "渝", "锦", "蜀", "欣",
];
const STREET_BASES: &[&str] = &[
    "青龙",
    "天回",
    "大丰",
    "三河",
    "斑竹园",
    "木兰",
    "清流",
    "龙桥",
    "桂湖",
    "新繁",
    "石板滩",
    "军屯",
    "泰兴",
    "马家",
    "新民",
    "蓉北",
    "驷马桥",
    "凤凰",
    "桐梓",
    "沙湾",
    "龙潭",
    "保和",
    "万安",
    "天宝",
    "金泉",
    "双水",
    "新河",
    "白莲",
    "北城",
    "兴城",
];
const COMMUNITY_BASES: &[&str] = &[
    "锦绣", "幸福", "和平", "翠竹", "金沙", "东风", "新桥", "石桥", "桂花", "芙蓉", "银杏", "北湖", "天府", "蜀龙", "华严", "清水", "红旗",
    "光荣", "民主", "团结", "建设", "人和", "兴隆", "长寿", "太平", "永丰", "双林", "柳城", "白果", "桃园", "龙湾", "凤翔", "书院", "文昌",
    "学府", "碧水", "锦江", "府河", "迎宾", "宝光",
];
const COMPOUND_PREFIXES: &[&str] = &[
    "锦绣", "幸福", "和平", "翠竹", "金沙", "东风", "杨柳", "桂花", "芙蓉", "银杏", "青龙", "北湖", "天府", "蜀都", "龙潭", "华阳", "凤凰",
    "玉林", "紫荆", "南苑", "锦江", "府河", "沙河", "万家", "建设", "光明", "红星", "人民", "银河", "桃源", "清水", "梧桐", "海棠", "兰亭",
    "碧水", "阳光", "春天", "御景", "香城", "宝光",
];
const COMPOUND_SUFFIXES: &[&str] =
    &["花园", "小区", "里", "苑", "新村", "家园", "华庭", "雅居", "嘉园", "公寓", "名城", "佳苑", "雅苑", "城", "府"];
/// The compound tests look up (also by its traditional form 楊柳苑).
pub const LANDMARK_COMPOUND: &str = "杨柳苑";
const NATIONAL_PROPERTY: &[&str] =
    &["万科物业", "碧桂园服务", "保利物业", "龙湖智创生活", "绿城服务", "招商积余", "华润万象生活", "中海物业", "金科服务", "新希望服务"];
const LOCAL_PROPERTY: &[&str] = &["成都嘉诚物业", "蜀信物业", "锦华物业", "天府安居物业", "新都城投物业", "蓉城惠民物业", "香城物业"];

fn pick<'a>(rng: &mut ChaCha8Rng, list: &[&'a str]) -> &'a str {
    list[rng.random_range(0..list.len())]
}

/// A plausible, made-up personal name: a common surname and one or two given characters.
pub fn person_name(rng: &mut ChaCha8Rng) -> String {
    let mut name = pick(rng, SURNAMES).to_owned();
    for _ in 0..rng.random_range(1..=2) {
        name.push_str(pick(rng, GIVEN));
    }
    name
}

/// "二" … "十", then digits: the ordinal in "二期", "青龙二街道".
fn ordinal(n: usize) -> String {
    const ZH: [&str; 11] = ["零", "一", "二", "三", "四", "五", "六", "七", "八", "九", "十"];
    ZH.get(n).map_or_else(|| n.to_string(), |s| (*s).to_owned())
}

/// Hands out unique place names; after a list runs out, names repeat with an ordinal.
pub struct Names {
    compounds: Vec<String>,
    next_compound: usize,
    next_street: usize,
    next_community: usize,
}

impl Names {
    pub fn new(rng: &mut ChaCha8Rng) -> Names {
        let mut compounds: Vec<String> = COMPOUND_PREFIXES
            .iter()
            .flat_map(|p| COMPOUND_SUFFIXES.iter().map(move |s| format!("{p}{s}")))
            .filter(|name| name != LANDMARK_COMPOUND)
            .collect();
        compounds.shuffle(rng);
        Names { compounds, next_compound: 0, next_street: 0, next_community: 0 }
    }

    pub fn street(&mut self) -> String {
        let n = self.next_street;
        self.next_street += 1;
        let (base, round) = (STREET_BASES[n % STREET_BASES.len()], n / STREET_BASES.len());
        match round {
            0 => format!("{base}街道"),
            _ => format!("{base}{}街道", ordinal(round + 1)),
        }
    }

    pub fn community(&mut self) -> String {
        let n = self.next_community;
        self.next_community += 1;
        let (base, round) = (COMMUNITY_BASES[n % COMMUNITY_BASES.len()], n / COMMUNITY_BASES.len());
        match round {
            0 => format!("{base}社区"),
            _ => format!("{base}{}社区", ordinal(round + 1)),
        }
    }

    /// The first compound is always the landmark; later ones are "锦绣花园", then "锦绣花园二期" ….
    pub fn compound(&mut self) -> String {
        let n = self.next_compound;
        self.next_compound += 1;
        if n == 0 {
            return LANDMARK_COMPOUND.to_owned();
        }
        let (name, round) = (&self.compounds[(n - 1) % self.compounds.len()], (n - 1) / self.compounds.len());
        match round {
            0 => name.clone(),
            _ => format!("{name}{}期", ordinal(round + 1)),
        }
    }
}

/// Many old compounds have no property company at all; resettlement compounds get local ones.
pub fn property_company(rng: &mut ChaCha8Rng, kind: CompoundKind, landmark: bool) -> Option<String> {
    let name = match kind {
        CompoundKind::Old if landmark || rng.random_bool(0.4) => return None,
        CompoundKind::Old | CompoundKind::Resettlement => pick(rng, LOCAL_PROPERTY),
        CompoundKind::SuperLarge => pick(rng, NATIONAL_PROPERTY),
        CompoundKind::Commodity if rng.random_bool(0.7) => pick(rng, NATIONAL_PROPERTY),
        CompoundKind::Commodity => pick(rng, LOCAL_PROPERTY),
    };
    Some(name.to_owned())
}

/// Builds the contact board: a street leader per street, a community secretary per community,
/// a police officer (shared by a community's grids), a cadre and a grid worker per grid, a
/// property manager per managed compound, and a head per building.
pub fn contacts(rng: &mut ChaCha8Rng, data: &Dataset) -> Vec<Contact> {
    let mut board = Board { rng, contacts: Vec::with_capacity(data.buildings.len() * 2), people: 0 };
    for street in &data.streets {
        let person = board.person();
        board.add(ContactRole::StreetLeader, ContactScope::StreetId(street.id.clone()), person);
    }
    let mut police = HashMap::new();
    for community in &data.communities {
        let person = board.person();
        board.add(ContactRole::CommunityCadre, ContactScope::CommunityId(community.id.clone()), person);
        police.insert(community.id.as_str(), board.person());
    }
    for grid in data.grids.iter().filter(|g| g.level == GridLevel::Grid) {
        let scope = || ContactScope::GridId(grid.id.clone());
        board.add(ContactRole::PoliceOfficer, scope(), police[grid.community_id.as_str()].clone());
        let (cadre, worker) = (board.person(), board.person());
        board.add(ContactRole::CommunityCadre, scope(), cadre);
        board.add(ContactRole::GridWorker, scope(), worker);
    }
    for compound in data.compounds.iter().filter(|c| c.property_company.is_some()) {
        let person = board.person();
        board.add(ContactRole::PropertyManager, ContactScope::CompoundId(compound.id.clone()), person);
    }
    for building in &data.buildings {
        let person = board.person();
        board.add(ContactRole::BuildingHead, ContactScope::BuildingId(building.id.clone()), person);
    }
    board.contacts
}

struct Board<'a> {
    rng: &'a mut ChaCha8Rng,
    contacts: Vec<Contact>,
    people: usize,
}

impl Board<'_> {
    /// A new person: a plausible name and a work phone from a block of fictional numbers.
    fn person(&mut self) -> (String, String) {
        let name = person_name(self.rng);
        let n = self.people;
        self.people += 1;
        (name, format!("139-00{:02}-{:04}", (n / 10_000) % 100, n % 10_000))
    }

    fn add(&mut self, role: ContactRole, scope: ContactScope, (name, phone): (String, String)) {
        let id = format!("CT{:06}", self.contacts.len() + 1);
        self.contacts.push(Contact { id, role, name, phone, scope });
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::SeedableRng;
    use std::collections::HashSet;

    #[test]
    fn names_stay_unique_past_the_end_of_the_lists() {
        let mut rng = ChaCha8Rng::seed_from_u64(3);
        let mut names = Names::new(&mut rng);
        let compounds: Vec<String> = (0..5000).map(|_| names.compound()).collect();
        assert_eq!(compounds[0], LANDMARK_COMPOUND);
        assert_eq!(compounds.iter().collect::<HashSet<_>>().len(), compounds.len());
        assert!(compounds.iter().any(|n| n.ends_with("二期")));
        let streets: HashSet<String> = (0..500).map(|_| names.street()).collect();
        let communities: HashSet<String> = (0..5000).map(|_| names.community()).collect();
        assert_eq!((streets.len(), communities.len()), (500, 5000));
    }
}
