//! The synthetic world: small areas nested in MSOAs, local authorities, ICBs, regions and
//! England, with names, GSS-pattern codes from a reserved range, and a deprivation score.
//!
//! This module builds an invented [`World`] (the types are in [`crate::geography`]);
//! [`crate::lookup`] builds one of real areas from ONS lookup files instead, and
//! [`draw_scores`] draws the same clustered score over it when no real deprivation file is given.
//!
//! # Codes
//!
//! Codes follow the ONS GSS pattern (three characters for the entity, six digits) but every
//! synthetic code's digits start with 9 (E01 9xxxxx small areas, E02 9xxxxx MSOAs, E06 / E07 /
//! E08 / E09 9xxxxx authorities, E10 9xxxxx counties, E54 9xxxxx ICBs, E12 9xxxxx regions), a
//! range no real area uses, so
//! synthetic and real codes can never be confused. England keeps its own code, E92000001.
//!
//! # Sizes
//!
//! The full world has the shape of England in 2021-2024: the nine regions with their real
//! numbers of LSOAs (33,755 in all), ICBs (42) and lower-tier authorities (299); about five
//! small areas to an MSOA (about 6,800). The small world is one region, Yorkshire and The
//! Humber (3,359 small areas, 3 ICBs, 15 authorities). Region names are the real ones; the
//! authority, county, ICB and small-area names are invented (and every row says `synthetic`).
//!
//! # Two tiers
//!
//! As in England, some lower-tier authorities are districts (E07) of a two-tier county (E10, an
//! upper-tier authority), the others unitary authorities, metropolitan districts or London
//! boroughs, each its own upper tier: each region has its real numbers of counties and their
//! districts (22 counties over 168 of the 299 authorities; one county of four in the small
//! world). The districts are the last authorities of their region, consecutive ones in one
//! county, by a fixed rule with no random draw, so every other part of the world is the same
//! as without counties.
//!
//! # Deprivation
//!
//! An IMD-like score per small area, right-skewed like the published IMD score (median about
//! 17), from nested effects on the log scale: region (fixed: the North and the West Midlands
//! more deprived, the South East least), authority (some much more deprived than others),
//! MSOA (correlated with the previous MSOA of the same authority, so deprived neighbourhoods sit
//! together) and small area. Small areas are ranked on it within the world (rank 1 most
//! deprived) and cut into deciles of (nearly) equal numbers of areas, decile 1 most deprived, as
//! the English Indices of Deprivation are.

use crate::geography::{Authority, County, Icb, Msoa, Region, SmallArea, World};
use crate::rng::{normal, stream_rng, uniform, Stream, SynthRng};

/// The size of the world to generate.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Scale {
    /// One region (Yorkshire and The Humber): 3,359 small areas, for tests in seconds.
    Small,
    /// England: nine regions, 33,755 small areas.
    Full,
}

impl Scale {
    /// The name used on the command line and in the manifest.
    pub fn name(self) -> &'static str {
        match self {
            Scale::Small => "small",
            Scale::Full => "full",
        }
    }
}

/// A region's real name, its number of LSOAs (2021), ICBs (2024), lower-tier local authorities
/// (2024), the log-scale deprivation effect given to it, the share of its authorities that
/// are metropolitan (coded E08) rather than unitary (E06), London's being boroughs (E09), and
/// its two-tier counties' numbers of districts (E07), as in the real region (2024).
struct RegionShape {
    name: &'static str,
    small_areas: usize,
    icbs: usize,
    authorities: usize,
    deprivation: f64,
    metropolitan: f64,
    counties: &'static [usize],
}

/// Sources: ONS LSOA 2021 and LAD 2024 lookups; NHS England's 42 ICBs (2024) by region; the
/// counties from the ONS LTLA to UTLA lookup (2023): Lancashire (12 districts); Derbyshire,
/// Leicestershire, Lincolnshire, Nottinghamshire; Staffordshire, Warwickshire, Worcestershire;
/// Cambridgeshire, Essex, Hertfordshire, Norfolk, Suffolk; East Sussex, Hampshire, Kent,
/// Oxfordshire, Surrey, West Sussex; Devon, Gloucestershire. Yorkshire and The Humber has one
/// county of four districts (North Yorkshire was a county of seven until 2023) so that the
/// small world has the two tiers too.
const REGIONS: [RegionShape; 9] = [
    RegionShape {
        name: "North East",
        small_areas: 1657,
        icbs: 1,
        authorities: 12,
        deprivation: 0.24,
        metropolitan: 0.4,
        counties: &[],
    },
    RegionShape {
        name: "North West",
        small_areas: 4638,
        icbs: 3,
        authorities: 39,
        deprivation: 0.20,
        metropolitan: 0.3,
        counties: &[12],
    },
    RegionShape {
        name: "Yorkshire and The Humber",
        small_areas: 3359,
        icbs: 3,
        authorities: 15,
        deprivation: 0.16,
        metropolitan: 0.6,
        counties: &[4],
    },
    RegionShape {
        name: "East Midlands",
        small_areas: 2899,
        icbs: 5,
        authorities: 35,
        deprivation: 0.0,
        metropolitan: 0.0,
        counties: &[8, 7, 7, 7],
    },
    RegionShape {
        name: "West Midlands",
        small_areas: 3610,
        icbs: 6,
        authorities: 30,
        deprivation: 0.12,
        metropolitan: 0.25,
        counties: &[8, 5, 6],
    },
    RegionShape {
        name: "East of England",
        small_areas: 3612,
        icbs: 6,
        authorities: 45,
        deprivation: -0.16,
        metropolitan: 0.0,
        counties: &[5, 12, 10, 7, 5],
    },
    RegionShape {
        name: "London",
        small_areas: 4994,
        icbs: 5,
        authorities: 33,
        deprivation: 0.06,
        metropolitan: 0.0,
        counties: &[],
    },
    RegionShape {
        name: "South East",
        small_areas: 5624,
        icbs: 6,
        authorities: 64,
        deprivation: -0.26,
        metropolitan: 0.0,
        counties: &[5, 11, 12, 5, 11, 7],
    },
    RegionShape {
        name: "South West",
        small_areas: 3362,
        icbs: 7,
        authorities: 26,
        deprivation: -0.12,
        metropolitan: 0.0,
        counties: &[8, 6],
    },
];

/// The region the small world is made of (Yorkshire and The Humber).
const SMALL_REGION: usize = 2;

/// The name of the region the small world is made of ("Yorkshire and The Humber"), also the
/// region kept from real lookups at `--scale small` when they have it.
pub fn small_region_name() -> &'static str {
    REGIONS[SMALL_REGION].name
}

/// Average number of small areas in an MSOA (33,755 LSOAs in 7,264 MSOAs in 2021; 2011: 4.96).
const SMALL_AREAS_PER_MSOA: f64 = 4.96;
/// No authority has fewer small areas than this (before the remainder is shared out).
const MINIMUM_AUTHORITY_SMALL_AREAS: usize = 30;
/// Log of the median deprivation score (the IMD 2019 score's median is about 17).
const LOG_MEDIAN_SCORE: f64 = 2.83;

const NAME_STARTS: [&str; 56] = [
    "Ash", "Brack", "Cal", "Dun", "Elm", "Fern", "Glen", "Hal", "Iver", "Kel", "Lang", "Mar", "Nor", "Oak", "Pen",
    "Quen", "Red", "Stan", "Thorn", "Ul", "Ven", "Whit", "Yar", "Brid", "Chel", "Dar", "Hart", "Kings", "Lid", "Mel",
    "Ned", "Ox", "Pol", "Rook", "Sel", "Tad", "Wen", "Alder", "Bar", "Cob", "Deer", "Fox", "Gold", "Holm", "Lark",
    "Moss", "Ros", "Sand", "Wold", "Bram", "Cress", "Ers", "Fal", "Hey", "Lox", "Tarn",
];
const NAME_ENDS: [&str; 22] = [
    "ford", "ton", "bury", "ham", "by", "wick", "field", "ley", "worth", "borough", "mouth", "stead", "bridge",
    "caster", "dale", "minster", "thorpe", "well", "combe", "hurst", "wood", "den",
];

/// Invented place names, unique, in a seeded order.
fn place_names(rng: &mut SynthRng, count: usize) -> Vec<String> {
    let mut all: Vec<String> =
        NAME_STARTS.iter().flat_map(|s| NAME_ENDS.iter().map(move |e| format!("{s}{e}"))).collect();
    // Fisher-Yates with the world stream.
    for i in (1..all.len()).rev() {
        let j = (uniform(rng) * (i + 1) as f64) as usize;
        all.swap(i, j.min(i));
    }
    let mut names = Vec::with_capacity(count);
    for i in 0..count {
        let base = &all[i % all.len()];
        names.push(if i < all.len() { base.clone() } else { format!("{base} {}", i / all.len() + 1) });
    }
    names
}

/// Splits `total` into `parts` sizes proportional to `weights`, each at least `minimum`, by
/// largest remainder (sizes sum to `total` when `total ≥ parts × minimum`).
fn share_out(total: usize, weights: &[f64], minimum: usize) -> Vec<usize> {
    let parts = weights.len();
    let base = minimum.min(total / parts.max(1));
    let rest = total - base * parts;
    let sum: f64 = weights.iter().sum();
    let exact: Vec<f64> = weights.iter().map(|w| rest as f64 * w / sum).collect();
    let mut sizes: Vec<usize> = exact.iter().map(|x| base + x.floor() as usize).collect();
    let mut left = total - sizes.iter().sum::<usize>();
    let mut order: Vec<usize> = (0..parts).collect();
    order.sort_by(|&a, &b| (exact[b] - exact[b].floor()).total_cmp(&(exact[a] - exact[a].floor())).then(a.cmp(&b)));
    for &i in order.iter().cycle().take(parts * 2) {
        if left == 0 {
            break;
        }
        sizes[i] += 1;
        left -= 1;
    }
    sizes
}

/// Builds the synthetic world of `scale` for `seed`.
pub fn build(scale: Scale, seed: u64) -> World {
    let mut rng = stream_rng(seed, Stream::World, 0);
    let shapes: Vec<&RegionShape> = match scale {
        Scale::Small => vec![&REGIONS[SMALL_REGION]],
        Scale::Full => REGIONS.iter().collect(),
    };
    let total_authorities: usize = shapes.iter().map(|r| r.authorities).sum();
    let names = place_names(&mut rng, total_authorities);

    let mut world = World {
        regions: vec![],
        icbs: vec![],
        authorities: vec![],
        counties: vec![],
        msoas: vec![],
        small_areas: vec![],
        synthetic: true,
        derived_msoa_codes: true,
        synthetic_deprivation: true,
        ranked_out_of: 0,
        inputs: vec![],
    };
    let mut log_scores: Vec<f64> = Vec::new();
    let (mut e06, mut e08, mut e09) = (0usize, 0usize, 0usize);
    for (r, shape) in shapes.iter().enumerate() {
        let region_index = world.regions.len();
        let region_number = REGIONS.iter().position(|x| x.name == shape.name).unwrap_or(r) + 1;
        world.regions.push(Region { code: format!("E12{}", 900_000 + region_number), name: shape.name.to_string() });
        let first_icb = world.icbs.len();
        let first_authority = world.authorities.len();
        // Authority sizes: log-normal weights, at least 30 small areas each.
        let weights: Vec<f64> = (0..shape.authorities).map(|_| (0.55 * normal(&mut rng)).exp()).collect();
        let sizes = share_out(shape.small_areas, &weights, MINIMUM_AUTHORITY_SMALL_AREAS);
        // The region's last authorities are the districts of its counties, in order: county
        // `k` holds the `shape.counties[k]` consecutive ones after those of county `k - 1`.
        let districts: usize = shape.counties.iter().sum();
        let first_district = shape.authorities.saturating_sub(districts);
        let mut county_of = Vec::with_capacity(districts);
        for (k, &size) in shape.counties.iter().enumerate() {
            county_of.extend(std::iter::repeat_n(world.counties.len() + k, size));
        }
        for a in 0..shape.authorities {
            let icb = first_icb + a * shape.icbs / shape.authorities;
            let name = names[first_authority + a].clone();
            let county = a.checked_sub(first_district).and_then(|d| county_of.get(d).copied());
            let code = if shape.name == "London" {
                e09 += 1;
                format!("E09{}", 900_000 + e09)
            } else if (a as f64) < shape.metropolitan * shape.authorities as f64 {
                e08 += 1;
                format!("E08{}", 900_000 + e08)
            } else {
                // A district keeps the number it would have as a unitary authority, with the
                // district entity code (E07), so the unitary authorities' codes do not move.
                e06 += 1;
                format!("{}{}", if county.is_some() { "E07" } else { "E06" }, 900_000 + e06)
            };
            world.authorities.push(Authority { code, name, icb, region: region_index, county });
        }
        // A county is named after its first district, its county town: "Oakbury" → "Oakburyshire".
        let mut first_member = first_authority + first_district;
        for &size in shape.counties {
            let number = world.counties.len() + 1;
            let town = &world.authorities[first_member].name;
            world.counties.push(County {
                code: format!("E10{}", 900_000 + number),
                name: format!("{town}shire"),
                region: region_index,
            });
            first_member += size;
        }
        for i in 0..shape.icbs {
            let members: Vec<&Authority> =
                world.authorities[first_authority..].iter().filter(|a| a.icb == first_icb + i).collect();
            let name = match members.as_slice() {
                [] => format!("NHS {} Integrated Care Board {}", shape.name, i + 1),
                [one] => format!("NHS {} Integrated Care Board", one.name),
                [one, two] => format!("NHS {} and {} Integrated Care Board", one.name, two.name),
                [one, two, ..] => format!("NHS {}, {} and Partners Integrated Care Board", one.name, two.name),
            };
            world.icbs.push(Icb { code: format!("E54{}", 900_001 + first_icb + i), name, region: region_index });
        }
        for (a, &size) in sizes.iter().enumerate() {
            let authority = first_authority + a;
            let very_deprived = if uniform(&mut rng) < 0.08 { 0.45 } else { 0.0 };
            let authority_effect = shape.deprivation + 0.30 * normal(&mut rng) + very_deprived;
            let msoa_count = ((size as f64 / SMALL_AREAS_PER_MSOA).round() as usize).max(1);
            let msoa_sizes = share_out(size, &vec![1.0; msoa_count], 1);
            let mut previous = 0.0;
            for (m, &msoa_size) in msoa_sizes.iter().enumerate() {
                let msoa_index = world.msoas.len();
                let auth = &world.authorities[authority];
                let msoa_name = format!("{} {:03}", auth.name, m + 1);
                world.msoas.push(Msoa {
                    code: format!("E02{}", 900_001 + msoa_index),
                    name: msoa_name.clone(),
                    authority,
                });
                // Neighbouring MSOAs (consecutive numbers) are alike: AR(1) with correlation 0.6.
                let msoa_effect = 0.6 * previous + 0.8 * 0.32 * normal(&mut rng);
                previous = msoa_effect;
                for s in 0..msoa_size {
                    let index = world.small_areas.len();
                    let letter = (b'A' + (s % 26) as u8) as char;
                    let log_score = LOG_MEDIAN_SCORE + authority_effect + msoa_effect + 0.22 * normal(&mut rng);
                    log_scores.push(log_score);
                    world.small_areas.push(SmallArea {
                        code: format!("E01{}", 900_001 + index),
                        name: format!("{msoa_name}{letter}"),
                        msoa: msoa_index,
                        authority,
                        icb: auth.icb,
                        region: region_index,
                        score: (log_score.exp() * 1000.0).round() / 1000.0,
                        rank: 0,
                        decile: 0,
                    });
                }
            }
        }
    }
    rank_and_cut(&mut world.small_areas);
    world.ranked_out_of = world.small_areas.len();
    world
}

/// The log-scale deprivation effect of the region called `name` (0 for a name that is not one
/// of the nine English regions).
fn region_deprivation(name: &str) -> f64 {
    REGIONS.iter().find(|r| r.name.eq_ignore_ascii_case(name.trim())).map_or(0.0, |r| r.deprivation)
}

/// Draws the clustered IMD-like score of [`build`] over the areas of `world` (used for a world
/// of real areas without a real deprivation file), then ranks and cuts it into deciles within
/// the world.
///
/// The same nested effects as the synthetic world, from stream [`Stream::World`] item 1:
/// region (by its name), authority (some much more deprived), MSOA (correlated with the
/// previous MSOA of the same authority in `world.msoas` order, which for real MSOAs numbered
/// "Barnsley 001", "Barnsley 002", … follows their geography) and small area. Authorities,
/// MSOAs and small areas are visited in the world's order, so the same world and seed give the
/// same scores.
pub fn draw_scores(world: &mut World, seed: u64) {
    let mut rng = stream_rng(seed, Stream::World, 1);
    let mut msoas_of: Vec<Vec<usize>> = vec![Vec::new(); world.authorities.len()];
    for (m, msoa) in world.msoas.iter().enumerate() {
        if let Some(list) = msoas_of.get_mut(msoa.authority) {
            list.push(m);
        }
    }
    let mut areas_of: Vec<Vec<usize>> = vec![Vec::new(); world.msoas.len()];
    for (i, area) in world.small_areas.iter().enumerate() {
        if let Some(list) = areas_of.get_mut(area.msoa) {
            list.push(i);
        }
    }
    for (a, msoas) in msoas_of.iter().enumerate() {
        let region = world.authorities[a].region;
        let region_effect = world.regions.get(region).map_or(0.0, |r| region_deprivation(&r.name));
        let very_deprived = if uniform(&mut rng) < 0.08 { 0.45 } else { 0.0 };
        let authority_effect = region_effect + 0.30 * normal(&mut rng) + very_deprived;
        let mut previous = 0.0;
        for &m in msoas {
            let msoa_effect = 0.6 * previous + 0.8 * 0.32 * normal(&mut rng);
            previous = msoa_effect;
            for &i in &areas_of[m] {
                let log_score = LOG_MEDIAN_SCORE + authority_effect + msoa_effect + 0.22 * normal(&mut rng);
                world.small_areas[i].score = (log_score.exp() * 1000.0).round() / 1000.0;
            }
        }
    }
    rank_and_cut(&mut world.small_areas);
    world.ranked_out_of = world.small_areas.len();
    world.synthetic_deprivation = true;
}

/// Ranks small areas by score (1 = highest score, ties by code order) and cuts the ranks into
/// ten deciles of nearly equal numbers of areas.
pub fn rank_and_cut(areas: &mut [SmallArea]) {
    let n = areas.len();
    let mut order: Vec<usize> = (0..n).collect();
    order.sort_by(|&a, &b| areas[b].score.total_cmp(&areas[a].score).then(a.cmp(&b)));
    for (r, &i) in order.iter().enumerate() {
        areas[i].rank = r as u32 + 1;
        areas[i].decile = (r * 10 / n.max(1)) as u8 + 1;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn gss(code: &str, entity: &str) -> bool {
        code.len() == 9
            && code.starts_with(entity)
            && code[3..].starts_with('9')
            && code[3..].chars().all(|c| c.is_ascii_digit())
    }

    #[test]
    fn full_world_has_the_shape_of_england() {
        let w = build(Scale::Full, 42);
        assert_eq!(w.regions.len(), 9);
        assert_eq!(w.icbs.len(), 42);
        assert_eq!(w.authorities.len(), 299);
        assert_eq!(w.small_areas.len(), 33_755);
        assert!((6_500..7_100).contains(&w.msoas.len()), "{}", w.msoas.len());
    }

    #[test]
    fn nesting_is_consistent_and_codes_are_reserved_and_unique() {
        for scale in [Scale::Small, Scale::Full] {
            let w = build(scale, 7);
            let mut seen = std::collections::HashSet::new();
            for a in &w.small_areas {
                assert!(gss(&a.code, "E01"), "{}", a.code);
                let m = &w.msoas[a.msoa];
                assert!(gss(&m.code, "E02"));
                assert_eq!(m.authority, a.authority, "{} in one authority", a.code);
                let la = &w.authorities[a.authority];
                assert!(["E06", "E07", "E08", "E09"].iter().any(|e| gss(&la.code, e)), "{}", la.code);
                assert_eq!(la.icb, a.icb);
                assert_eq!(la.region, a.region);
                assert_eq!(w.icbs[a.icb].region, a.region);
                assert!(gss(&w.icbs[a.icb].code, "E54"));
                assert!(gss(&w.regions[a.region].code, "E12"));
                assert!(a.name.starts_with(&m.name));
            }
            for code in w
                .small_areas
                .iter()
                .map(|a| &a.code)
                .chain(w.msoas.iter().map(|m| &m.code))
                .chain(w.authorities.iter().map(|a| &a.code))
                .chain(w.counties.iter().map(|c| &c.code))
                .chain(w.icbs.iter().map(|i| &i.code))
                .chain(w.regions.iter().map(|r| &r.code))
            {
                assert!(seen.insert(code.clone()), "duplicate {code}");
            }
            // Every ICB and authority has small areas.
            for i in 0..w.icbs.len() {
                assert!(w.small_areas.iter().any(|a| a.icb == i), "ICB {i} empty");
            }
            for i in 0..w.authorities.len() {
                assert!(w.small_areas.iter().filter(|a| a.authority == i).count() >= 30);
            }
        }
    }

    #[test]
    fn districts_are_grouped_into_counties_of_one_region_as_in_england() {
        let w = build(Scale::Full, 42);
        // 21 real counties (ONS LTLA to UTLA 2023) and one in Yorkshire and The Humber.
        assert_eq!(w.counties.len(), 22);
        let districts: Vec<&Authority> = w.authorities.iter().filter(|a| a.county.is_some()).collect();
        assert_eq!(districts.len(), 12 + 4 + 29 + 19 + 39 + 51 + 14);
        for (c, county) in w.counties.iter().enumerate() {
            assert!(gss(&county.code, "E10"), "{}", county.code);
            let members: Vec<&&Authority> = districts.iter().filter(|a| a.county == Some(c)).collect();
            assert!((4..=12).contains(&members.len()), "{} has {}", county.name, members.len());
            assert!(members.iter().all(|a| a.region == county.region), "{} in one region", county.name);
            assert_eq!(county.name, format!("{}shire", members[0].name));
        }
        // Districts are E07, unitary authorities keep their codes: E06, E08 or E09.
        for (i, a) in w.authorities.iter().enumerate() {
            assert_eq!(gss(&a.code, "E07"), a.county.is_some(), "{}", a.code);
            let (code, name) = w.upper_tier(i);
            match a.county {
                Some(c) => assert_eq!((code, name), (w.counties[c].code.as_str(), w.counties[c].name.as_str())),
                None => assert_eq!((code, name), (a.code.as_str(), a.name.as_str())),
            }
        }
        // Hand-checked: no counties in the North East or London; Yorkshire's four districts
        // are its last four authorities (after 9 metropolitan and 2 unitary ones).
        let region_of = |name: &str| w.regions.iter().position(|r| r.name == name).unwrap();
        for none in ["North East", "London"] {
            assert!(w.counties.iter().all(|c| c.region != region_of(none)));
        }
        let yorkshire: Vec<&Authority> =
            w.authorities.iter().filter(|a| a.region == region_of("Yorkshire and The Humber")).collect();
        let tiers: Vec<&str> = yorkshire.iter().map(|a| &a.code[..3]).collect();
        assert_eq!(tiers, [["E08"; 9].as_slice(), &["E06"; 2], &["E07"; 4]].concat());
        // The small world is that region with the same county, deterministically.
        let small = build(Scale::Small, 42);
        let again = build(Scale::Small, 42);
        assert_eq!(small.counties.len(), 1);
        assert_eq!(small.authorities.iter().filter(|a| a.county == Some(0)).count(), 4);
        assert_eq!(small.counties[0].code, "E10900001");
        let codes = |w: &World| w.authorities.iter().map(|a| (a.code.clone(), a.county)).collect::<Vec<_>>();
        assert_eq!(codes(&small), codes(&again));
        assert_eq!(small.counties[0].name, again.counties[0].name);
    }

    #[test]
    fn deciles_are_balanced_and_follow_the_score() {
        let w = build(Scale::Small, 3);
        let n = w.small_areas.len();
        let mut counts = [0usize; 10];
        for a in &w.small_areas {
            counts[a.decile as usize - 1] += 1;
        }
        for c in counts {
            assert!(c == n / 10 || c == n / 10 + 1, "{counts:?}");
        }
        let max10 = w.small_areas.iter().filter(|a| a.decile == 10).map(|a| a.score).fold(0.0, f64::max);
        let min1 = w.small_areas.iter().filter(|a| a.decile == 1).map(|a| a.score).fold(f64::MAX, f64::min);
        assert!(min1 > max10);
        let median = {
            let mut s: Vec<f64> = w.small_areas.iter().map(|a| a.score).collect();
            s.sort_by(f64::total_cmp);
            s[n / 2]
        };
        assert!((10.0..35.0).contains(&median), "{median}");
    }

    #[test]
    fn deprivation_is_clustered_by_authority() {
        let w = build(Scale::Full, 11);
        // Share of the most deprived decile per authority: far from uniform (10%).
        let mut shares: Vec<f64> = (0..w.authorities.len())
            .map(|i| {
                let areas: Vec<_> = w.small_areas.iter().filter(|a| a.authority == i).collect();
                areas.iter().filter(|a| a.decile == 1).count() as f64 / areas.len() as f64
            })
            .collect();
        shares.sort_by(f64::total_cmp);
        assert!(shares[shares.len() - 1] > 0.4, "{:?}", &shares[shares.len() - 5..]);
        assert!(shares[shares.len() / 4] < 0.03);
    }

    #[test]
    fn the_same_seed_gives_the_same_world() {
        let a = build(Scale::Small, 5);
        let b = build(Scale::Small, 5);
        let c = build(Scale::Small, 6);
        assert!(a.small_areas.iter().zip(&b.small_areas).all(|(x, y)| x.score == y.score && x.name == y.name));
        assert!(a.small_areas.iter().zip(&c.small_areas).any(|(x, y)| x.score != y.score));
    }
}
