//! Units: the groups of small areas that a run's aggregation cannot tell apart, so that counts
//! are kept per unit instead of per small area.
//!
//! [`super::cells::LevelCounts::aggregate`] reads, for each area of each level, its members'
//! counts and, for breakdowns, each member's deprivation quantile. Two small areas that lie in
//! the same areas of every level computed and have the same quantile of every breakdown asked
//! for are always added to the same cells: their counts can be summed as they are read. A
//! *unit* is such a group: the distinct tuple of a small area's areas in every level (and
//! place and peer group) of the run, with its quantiles where the counts' indicators break
//! down by deprivation. On England's real geography the levels alone make 310 units (the
//! LTLA∩ICB pieces) and the national decile multiplies them to 2,775, against 33,755 LSOAs;
//! counts of a classification's categories (ethnicity) need no decile and stay at the 310.
//! Memory then grows with units, not with small areas times categories.
//!
//! Where a breakdown is by quantiles within each area, the within-area quantile of every
//! level is part of the tuple; where a place or peer group names small areas, its membership
//! is: units are then finer, down to the small areas themselves (today's grain) when nothing
//! groups them. [`Units::small_areas`] is that identity grain, kept for comparison.
//!
//! Counts summed per unit differ from counts summed per small area then per unit only in the
//! order of the additions: with whole-number counts (every table of `fairer generate`, and
//! counts of people or events generally) below 2^53 every order gives the same float.

use std::collections::HashMap;

use super::geography::Level;

/// A partition of a geography's small areas into units (the module documentation says which).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Units {
    /// The unit of each small area, by the small area's index in the geography; units are
    /// numbered in the order of their first small area.
    pub of_small_area: Vec<u32>,
    /// The number of units.
    pub len: usize,
}

/// What tells small areas apart on one level: the level, and per breakdown the quantile of
/// each member of each area (aligned with `level.members`, 0 = none).
#[derive(Clone, Copy, Debug)]
pub struct UnitKey<'a> {
    /// The level (a geography level, the places or the peer groups).
    pub level: &'a Level,
    /// Per breakdown: each area's members' quantiles.
    pub quantiles: &'a [&'a [Vec<u8>]],
}

impl Units {
    /// Every small area its own unit: counts kept per small area.
    pub fn small_areas(small_areas: usize) -> Units {
        Units { of_small_area: (0..small_areas as u32).collect(), len: small_areas }
    }

    /// The units of `small_areas` small areas told apart by `keys`: two small areas are in one
    /// unit when, on every key's level, they are members of the same areas (none, one, or
    /// several for overlapping places) with the same quantile of every breakdown of the key.
    /// A member index beyond `small_areas` is ignored; without keys there is one unit (or none
    /// without small areas).
    pub fn new(small_areas: usize, keys: &[UnitKey<'_>]) -> Units {
        let mut tuples: Vec<Vec<u32>> = vec![Vec::new(); small_areas];
        for key in keys {
            // A separator per level, so that tuples of different memberships never collide.
            tuples.iter_mut().for_each(|t| t.push(u32::MAX));
            for (a, members) in key.level.members.iter().enumerate() {
                for (i, &m) in members.iter().enumerate() {
                    let Some(tuple) = tuples.get_mut(m as usize) else { continue };
                    tuple.push(a as u32);
                    for q in key.quantiles {
                        tuple.push(u32::from(q.get(a).and_then(|q| q.get(i)).copied().unwrap_or(0)));
                    }
                }
            }
        }
        let mut index: HashMap<Vec<u32>, u32> = HashMap::with_capacity(small_areas.min(1 << 16));
        let of_small_area = tuples
            .into_iter()
            .map(|t| {
                let next = index.len() as u32;
                *index.entry(t).or_insert(next)
            })
            .collect();
        Units { of_small_area, len: index.len() }
    }

    /// Whether every small area is its own unit, in order.
    pub fn is_small_areas(&self) -> bool {
        self.len == self.of_small_area.len() && self.of_small_area.iter().enumerate().all(|(i, &u)| i as u32 == u)
    }

    /// `level` over units: each area's members replaced by their distinct units, in the order
    /// of their first member, with the position (in the area's members) of each unit's first
    /// member, to read lists aligned with the members such as quantiles ([`UnitLevel::per_unit`]).
    /// A member that is not a small area of these units is left out.
    pub fn level(&self, level: &Level) -> UnitLevel {
        let mut members = Vec::with_capacity(level.members.len());
        let mut first = Vec::with_capacity(level.members.len());
        // The last area each unit was seen in, to keep a unit once per area.
        let mut seen_in = vec![usize::MAX; self.len];
        for (a, area) in level.members.iter().enumerate() {
            let mut units = Vec::new();
            let mut positions = Vec::new();
            for (i, &m) in area.iter().enumerate() {
                let Some(&u) = self.of_small_area.get(m as usize) else { continue };
                match seen_in.get_mut(u as usize) {
                    Some(s) if *s == a => continue,
                    Some(s) => *s = a,
                    None => {}
                }
                units.push(u);
                positions.push(i);
            }
            members.push(units);
            first.push(positions);
        }
        UnitLevel {
            level: Level {
                area_type: level.area_type.clone(),
                codes: level.codes.clone(),
                names: level.names.clone(),
                parents: level.parents.clone(),
                members,
            },
            first,
        }
    }
}

/// A level whose areas' members are units ([`Units::level`]).
#[derive(Clone, Debug)]
pub struct UnitLevel {
    /// The level, its members units.
    pub level: Level,
    /// Per area, per unit: the position of the unit's first small area in the area's members.
    pub first: Vec<Vec<usize>>,
}

impl UnitLevel {
    /// Values aligned with the small-area level's members (quantiles) as values aligned with
    /// the units: each unit's first member's (0 where the list is short). Exact for values that
    /// the units were told apart by ([`Units::new`]'s keys); for others, the first member's.
    pub fn per_unit(&self, per_member: &[Vec<u8>]) -> Vec<Vec<u8>> {
        self.first
            .iter()
            .enumerate()
            .map(|(a, positions)| {
                let values = per_member.get(a).map(Vec::as_slice).unwrap_or(&[]);
                positions.iter().map(|&i| values.get(i).copied().unwrap_or(0)).collect()
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn level(members: Vec<Vec<u32>>) -> Level {
        let n = members.len();
        Level {
            area_type: "T".into(),
            codes: (0..n).map(|a| format!("A{a}")).collect(),
            names: (0..n).map(|a| format!("a{a}")).collect(),
            parents: vec![None; n],
            members,
        }
    }

    #[test]
    fn small_areas_alike_on_every_key_share_a_unit() {
        // Two authorities: 0, 1, 2 (quantiles 1, 1, 2) and 3, 4 (quantiles 3, 3).
        let authorities = level(vec![vec![0, 1, 2], vec![3, 4]]);
        let quantiles = vec![vec![1, 1, 2], vec![3, 3]];
        let by_quantile: [&[Vec<u8>]; 1] = [&quantiles];
        let units = Units::new(5, &[UnitKey { level: &authorities, quantiles: &by_quantile }]);
        // {0, 1}, {2}, {3, 4}.
        assert_eq!(units, Units { of_small_area: vec![0, 0, 1, 2, 2], len: 3 });
        let over = units.level(&authorities);
        assert_eq!(over.level.members, vec![vec![0, 1], vec![2]]);
        assert_eq!(over.first, vec![vec![0, 2], vec![0]]);
        assert_eq!(over.per_unit(&quantiles), vec![vec![1, 2], vec![3]]);
        // Without the quantiles: one unit per authority.
        let coarse = Units::new(5, &[UnitKey { level: &authorities, quantiles: &[] }]);
        assert_eq!(coarse.of_small_area, vec![0, 0, 0, 1, 1]);
        assert_eq!(coarse.level(&authorities).level.members, vec![vec![0], vec![1]]);
        // A place naming small areas 1 and 3 splits both authorities' units.
        let place = level(vec![vec![1, 3]]);
        let split = Units::new(
            5,
            &[UnitKey { level: &authorities, quantiles: &by_quantile }, UnitKey { level: &place, quantiles: &[] }],
        );
        assert_eq!(split.len, 5);
        assert!(split.is_small_areas());
        assert_eq!(split.level(&place).level.members, vec![vec![1, 3]]);
        // Small areas in no area of a level (1 and 2) share a unit; a member beyond the small areas (9)
        // is left out.
        let partial = level(vec![vec![0, 9]]);
        let units = Units::new(3, &[UnitKey { level: &partial, quantiles: &[] }]);
        assert_eq!(units.of_small_area, vec![0, 1, 1]);
        assert_eq!(units.level(&partial).level.members, vec![vec![0]]);
        assert!(Units::small_areas(4).is_small_areas());
        assert_eq!(Units::new(0, &[]).len, 0);
    }
}
