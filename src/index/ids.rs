//! Id → position lookup kept as a sorted permutation: 4 bytes a record instead of a hash
//! map holding a second copy of every id string.

pub struct IdIndex {
    order: Vec<u32>,
}

impl IdIndex {
    pub fn build(ids: &[&str]) -> IdIndex {
        let mut order: Vec<u32> = (0..ids.len() as u32).collect();
        order.sort_unstable_by_key(|&i| ids[i as usize]);
        IdIndex { order }
    }

    /// The position of `id`, given the same id list (by position) the index was built on.
    pub fn find<'a>(&self, id: &str, id_of: impl Fn(u32) -> &'a str) -> Option<u32> {
        self.order.binary_search_by(|&i| id_of(i).cmp(id)).ok().map(|at| self.order[at])
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_every_id_and_nothing_else() {
        let ids = ["b", "a", "杨柳苑", "c10", "c2"];
        let index = IdIndex::build(&ids);
        for (i, id) in ids.iter().enumerate() {
            assert_eq!(index.find(id, |p| ids[p as usize]), Some(i as u32));
        }
        assert_eq!(index.find("zz", |p| ids[p as usize]), None);
    }
}
