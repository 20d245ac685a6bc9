//! The geography of a computation: small areas, the levels they nest in, their deprivation
//! deciles, and user-defined places.
//!
//! It is read from one table with a row per small area and a code and name column per level
//! (LSOA → local authority → ICB → region → England, as the ONS lookups and `fairer generate`'s
//! `areas` table have them). Reading checks that it is a hierarchy: every small area once, every
//! area of a level in exactly one area of the level above ("an area in two parents" is an
//! error naming both rows), and no code on two levels, which would make a cycle, except on a
//! level declared `shares_codes = true`: a unitary authority is both a district and a county
//! (upper-tier authority), so its code may stand on that level and one below it, on every row
//! that holds it.

use std::collections::HashMap;

use super::catalogue::{
    CodeChanges, DeprivationBreakdown, GeographySpec, PlaceSpec, PublishedLevelSpec, PublishedParents, PEER_GROUP_TYPE,
    PLACE_TYPE,
};
use crate::error::{EngineError, Location, Result};
use crate::input::{ColumnRequest, InputTable};

/// The areas of one level (or the user-defined places) and the small areas in each.
#[derive(Clone, Debug)]
pub struct Level {
    /// The area type ("Local authority", …, or [`PLACE_TYPE`]).
    pub area_type: String,
    /// Area codes.
    pub codes: Vec<String>,
    /// Area names.
    pub names: Vec<String>,
    /// Each area's parent in the next level up (the portal's "Parent Code"), if any.
    pub parents: Vec<Option<(String, String)>>,
    /// The small areas (indices) of each area.
    pub members: Vec<Vec<u32>>,
}

/// Small areas and the levels above them.
#[derive(Clone, Debug)]
pub struct Geography {
    /// Small-area codes, in table order.
    pub codes: Vec<String>,
    /// Small-area code → index.
    pub index: HashMap<String, u32>,
    /// National deprivation decile of each small area (1 most deprived … 10), 0 if unknown.
    pub deciles: Vec<u8>,
    /// National deprivation quintile of each small area (1 most deprived … 5), 0 if unknown:
    /// the deciles two by two where they come from a decile column, else quintiles of the
    /// scores.
    pub quintiles: Vec<u8>,
    /// Each small area's deprivation score (higher is more deprived), when the geography has
    /// a score column.
    pub scores: Option<Vec<Option<f64>>>,
    /// The levels, in the catalogue's order (smallest first).
    pub levels: Vec<Level>,
    /// User-defined places, if any.
    pub places: Option<Level>,
    /// Named peer groups, if any.
    pub peer_groups: Option<Level>,
    /// For each level, the index of the next nested level above it (its parents' level).
    pub parent_level: Vec<Option<usize>>,
    /// The index in `levels` of the benchmark level.
    pub benchmark_level: usize,
    /// Levels of areas known only from published values, told by their codes' shapes.
    pub published_levels: Vec<PublishedLevelSpec>,
    /// For each published level, the parents (code and name) its `parents` lookup gives, by
    /// area code ([`read_published_parents`]); empty without a lookup.
    pub published_parents: Vec<HashMap<String, (String, String)>>,
}

impl Geography {
    /// Reads the geography `table` as `spec` describes it, and resolves the places
    /// (whose member codes may be of any level) of `catalogue_file`.
    ///
    /// # Errors
    /// A missing column; a small area twice; a decile that is not 1 to 10; an area with two
    /// parents; a code on two levels (a cycle); a place naming an unknown area. Each names the
    /// file, row and column (or the catalogue's line).
    pub fn read(
        table: InputTable,
        spec: &GeographySpec,
        places: &[PlaceSpec],
        peer_groups: &[PlaceSpec],
        catalogue_file: &str,
    ) -> Result<Geography> {
        let mut texts = vec![table.column(&spec.small_area.code, "the small-area codes (geography.small_area.code)")?];
        for level in &spec.levels {
            texts.push(table.column(&level.code, &format!("the {} codes", level.area_type))?);
            texts.push(table.column(&level.name, &format!("the {} names", level.area_type))?);
        }
        let decile_col = match &spec.deprivation_decile {
            Some(d) => Some(table.column(d, "the deprivation deciles (geography.deprivation_decile)")?),
            None => None,
        };
        let score_col = match &spec.deprivation_score {
            Some(score) => Some(table.column(score, "the deprivation scores (geography.deprivation_score)")?),
            None => None,
        };
        let from_score = decile_col.is_none() && score_col.is_some();
        let mut scores: Vec<Option<f64>> = Vec::new();
        let headers = table.headers().to_vec();
        // Number slots: the decile column (if any) first, then the score column (if any).
        let score_slot = usize::from(decile_col.is_some());
        let mut reader = table.chunks(ColumnRequest {
            numbers: decile_col.into_iter().chain(score_col).collect(),
            texts: texts.clone(),
        })?;
        let file = reader.name().to_string();
        let at =
            |row: u64, col: usize| Location { file: file.clone(), row: Some(row), column: headers.get(col).cloned() };

        let mut codes = Vec::new();
        let mut index: HashMap<String, u32> = HashMap::new();
        let mut deciles = Vec::new();
        let mut rows = LevelRows::new(spec);
        while let Some(chunk) = reader.next_chunk()? {
            for r in 0..chunk.len {
                let row = chunk.first_row + r as u64;
                let text = |slot: usize| chunk.text(slot, r).map(str::trim).unwrap_or("");
                let code = text(0);
                if code.is_empty() {
                    return Err(EngineError::BadValue {
                        at: at(row, texts[0]),
                        expected: "a small-area code".into(),
                        found: String::new(),
                    });
                }
                let small = codes.len() as u32;
                if index.insert(code.to_string(), small).is_some() {
                    return Err(EngineError::BadValue {
                        at: at(row, texts[0]),
                        expected: "each small area on one row only".into(),
                        found: code.to_string(),
                    });
                }
                codes.push(code.to_string());
                if score_col.is_some() {
                    scores.push(chunk.numbers.get(score_slot).and_then(|v| v[r]));
                }
                let decile = match (decile_col, chunk.numbers.first()) {
                    (Some(col), Some(values)) => match values[r] {
                        None => 0,
                        Some(d) if d.fract() == 0.0 && (1.0..=10.0).contains(&d) => d as u8,
                        Some(d) => {
                            return Err(EngineError::BadValue {
                                at: at(row, col),
                                expected: "a deprivation decile, 1 (most deprived) to 10".into(),
                                found: d.to_string(),
                            })
                        }
                    },
                    _ => 0,
                };
                deciles.push(decile);
                rows.add(spec, small, row, &index, &text, &|slot| at(row, texts[slot]))?;
            }
        }
        if from_score {
            // National deciles of the scores: decile 1 holds the highest (most deprived) scores.
            let assigned =
                stats::quantile::assign_quantiles(&scores, 10, true).map_err(|e| EngineError::Usage(e.to_string()))?;

            deciles = assigned.into_iter().map(|d| d.map_or(0, |d| d as u8)).collect();
        }
        // Each level's parents: in the next nested level above. A nested level's parents were
        // checked as the rows were read; a level that does not nest takes the parent level's
        // area holding all its small areas, if one does.
        let (levels, parent_level) = rows.finish(spec, codes.len());
        let places = if places.is_empty() {
            None
        } else {
            Some(resolve_places(places, PLACE_TYPE, &index, &levels, catalogue_file)?)
        };
        let peer_groups = if peer_groups.is_empty() {
            None
        } else {
            Some(resolve_places(peer_groups, PEER_GROUP_TYPE, &index, &levels, catalogue_file)?)
        };
        let quintiles = if from_score {
            let assigned =
                stats::quantile::assign_quantiles(&scores, 5, true).map_err(|e| EngineError::Usage(e.to_string()))?;
            assigned.into_iter().map(|q| q.map_or(0, |q| q as u8)).collect()
        } else {
            deciles.iter().map(|&d| d.div_ceil(2)).collect()
        };
        let scores = score_col.map(|_| scores);
        Ok(Geography {
            codes,
            index,
            deciles,
            quintiles,
            scores,
            levels,
            places,
            peer_groups,
            parent_level,
            benchmark_level: spec.benchmark_level,
            published_levels: spec.published_levels.clone(),
            published_parents: vec![HashMap::new(); spec.published_levels.len()],
        })
    }
}

/// The levels as the geography's rows build them: each level's areas and their small areas,
/// each area's parent in the next nested level above, and the level of each code (a code on
/// two levels makes the lookup a cycle).
struct LevelRows {
    levels: Vec<Level>,
    level_index: Vec<HashMap<String, u32>>,
    /// Per level, each area's parent in the level above and the row that said so.
    parent_of: Vec<Vec<Option<(u32, u64)>>>,
    /// The level and first row of each code, to find a code used on two levels.
    level_of_code: HashMap<String, (usize, u64)>,
}

impl LevelRows {
    fn new(spec: &GeographySpec) -> LevelRows {
        let levels = spec
            .levels
            .iter()
            .map(|l| Level {
                area_type: l.area_type.clone(),
                codes: Vec::new(),
                names: Vec::new(),
                parents: Vec::new(),
                members: Vec::new(),
            })
            .collect();
        LevelRows {
            levels,
            level_index: vec![HashMap::new(); spec.levels.len()],
            parent_of: vec![Vec::new(); spec.levels.len()],
            level_of_code: HashMap::new(),
        }
    }

    /// Adds the areas of data row `row`, of small area `small`: `text(slot)` is the cell of
    /// a text slot (1 + 2 × level for a level's code, one more for its name), `at(slot)`
    /// where it is; `small_areas` indexes the small-area codes.
    fn add<'t>(
        &mut self,
        spec: &GeographySpec,
        small: u32,
        row: u64,
        small_areas: &HashMap<String, u32>,
        text: &dyn Fn(usize) -> &'t str,
        at: &dyn Fn(usize) -> Location,
    ) -> Result<()> {
        // The nested level and area last seen on this row (the child of the next).
        let mut below: Option<(usize, u32)> = None;
        for l in 0..self.levels.len() {
            let (code_slot, name_slot) = (1 + 2 * l, 2 + 2 * l);
            let area_code = text(code_slot);
            if area_code.is_empty() {
                return Err(EngineError::BadValue {
                    at: at(code_slot),
                    expected: format!("a {} code", self.levels[l].area_type),
                    found: String::new(),
                });
            }
            let cycle = |first: String| {
                EngineError::BadValue {
                at: at(code_slot),
                expected: format!("a code on one level only: \"{area_code}\" is a {} here and {first}, which makes the lookup a cycle", self.levels[l].area_type),
                found: area_code.to_string(),
            }
            };
            if small_areas.contains_key(area_code) {
                return Err(cycle("a small area too".to_string()));
            }
            match self.level_of_code.get(area_code) {
                // An area that is its own parent (a unitary authority is a district and a
                // county): the same code on two levels of one row is one area on both.
                Some(&(other, _))
                    if other != l && spec.levels[l.max(other)].shares_codes && text(1 + 2 * other) == area_code => {}
                Some(&(other, first)) if other != l => {
                    return Err(cycle(format!("a {} on row {first}", self.levels[other].area_type)))
                }
                Some(_) => {}
                None => {
                    self.level_of_code.insert(area_code.to_string(), (l, row));
                }
            }
            let level = &mut self.levels[l];
            let area = *self.level_index[l].entry(area_code.to_string()).or_insert_with(|| {
                level.codes.push(area_code.to_string());
                level.names.push(text(name_slot).to_string());
                level.members.push(Vec::new());
                self.parent_of[l].push(None);
                (level.codes.len() - 1) as u32
            });
            level.members[area as usize].push(small);
            if !spec.levels[l].nested {
                continue;
            }
            if let Some((below_level, child)) = below {
                let slot = &mut self.parent_of[below_level][child as usize];
                match *slot {
                    None => *slot = Some((area, row)),
                    Some((p, first)) if p != area => {
                        return Err(EngineError::BadValue {
                            at: at(code_slot),
                            expected: format!(
                                "one {} for {} \"{}\" (an area in two parents): row {first} puts it in \"{}\"",
                                self.levels[l].area_type,
                                self.levels[below_level].area_type,
                                self.levels[below_level].codes[child as usize],
                                self.levels[l].codes[p as usize]
                            ),
                            found: area_code.to_string(),
                        })
                    }
                    Some(_) => {}
                }
            }
            below = Some((l, area));
        }
        Ok(())
    }

    /// The levels with their parents (in the next nested level above: a nested level's
    /// parents were checked as the rows were read; a level that does not nest takes the parent
    /// level's area holding all its small areas, if one does), and each level's parent level.
    fn finish(self, spec: &GeographySpec, small_areas: usize) -> (Vec<Level>, Vec<Option<usize>>) {
        let LevelRows { mut levels, parent_of, .. } = self;
        let parent_level: Vec<Option<usize>> =
            (0..levels.len()).map(|l| (l + 1..levels.len()).find(|&u| spec.levels[u].nested)).collect();
        for l in 0..levels.len() {
            let Some(up) = parent_level[l] else {
                levels[l].parents = vec![None; levels[l].codes.len()];
                continue;
            };
            let parents: Vec<Option<u32>> = if spec.levels[l].nested {
                parent_of[l].iter().map(|p| p.map(|(a, _)| a)).collect()
            } else {
                holding_areas(&levels[l], &levels[up], small_areas)
            };
            let named = parents
                .iter()
                .map(|p| p.map(|a| (levels[up].codes[a as usize].clone(), levels[up].names[a as usize].clone())))
                .collect();
            levels[l].parents = named;
        }
        (levels, parent_level)
    }
}

/// For each area of `level`, the area of `holder` that holds all its small areas, or `None`
/// when none does (its small areas are split between areas of `holder`, or it has none).
pub fn holding_areas(level: &Level, holder: &Level, small_areas: usize) -> Vec<Option<u32>> {
    let mut of_small = vec![u32::MAX; small_areas];
    for (a, members) in holder.members.iter().enumerate() {
        members.iter().for_each(|&m| of_small[m as usize] = a as u32);
    }
    level
        .members
        .iter()
        .map(|m| {
            let first = of_small[*m.first()? as usize];
            (first != u32::MAX && m.iter().all(|&s| of_small[s as usize] == first)).then_some(first)
        })
        .collect()
}

impl Geography {
    /// The deprivation quantile (1 most deprived; 0 for none) of each small area of each area of
    /// `level`, aligned with `level.members`: national deciles or quintiles, or quantiles of the
    /// small areas' scores ranked within each area (`phe_quantile` grouped by area; an area with
    /// fewer small areas with a score than quantiles has none, as `phe_quantile` gives NA).
    pub fn quantiles(&self, breakdown: DeprivationBreakdown, level: &Level) -> Vec<Vec<u8>> {
        if !breakdown.within_area {
            let national = if breakdown.quantiles == 10 { &self.deciles } else { &self.quintiles };
            return level
                .members
                .iter()
                .map(|m| m.iter().map(|&s| national.get(s as usize).copied().unwrap_or(0)).collect())
                .collect();
        }
        let Some(scores) = &self.scores else {
            return level.members.iter().map(|m| vec![0; m.len()]).collect();
        };
        level
            .members
            .iter()
            .map(|m| {
                let values: Vec<Option<f64>> = m.iter().map(|&s| scores[s as usize]).collect();
                match stats::quantile::assign_quantiles(&values, u32::from(breakdown.quantiles), true) {
                    Ok(q) => q.into_iter().map(|q| q.map_or(0, |q| q as u8)).collect(),
                    Err(_) => vec![0; m.len()],
                }
            })
            .collect()
    }
}

/// Adds the old codes of a code-change lookup (`changes`, read from `table`) to `index` (small-area
/// code → index), each pointing at the small area its row maps it to; returns the number of
/// old codes added.
///
/// # Errors
/// A missing column; an empty code; a new code that is not a small area of the geography; an old
/// code mapped to two different areas (a split: a best-fit lookup gives one row per old code).
/// Each names the file, row and column.
pub fn add_code_changes(
    index: &mut rustc_hash::FxHashMap<String, u32>,
    table: InputTable,
    changes: &CodeChanges,
) -> Result<usize> {
    let from = table.column(&changes.from, "the old codes (geography.code_changes.from)")?;
    let to = table.column(&changes.to, "the geography's codes (geography.code_changes.to)")?;
    let headers = table.headers().to_vec();
    let mut reader = table.chunks(ColumnRequest { numbers: Vec::new(), texts: vec![from, to] })?;
    let file = reader.name().to_string();
    let at = |row: u64, col: usize| Location { file: file.clone(), row: Some(row), column: headers.get(col).cloned() };
    let mut mapped: HashMap<String, (u32, u64)> = HashMap::new();
    while let Some(chunk) = reader.next_chunk()? {
        for r in 0..chunk.len {
            let row = chunk.first_row + r as u64;
            let old = chunk.text(0, r).map(str::trim).unwrap_or("");
            let new = chunk.text(1, r).map(str::trim).unwrap_or("");
            if old.is_empty() {
                return Err(EngineError::BadValue {
                    at: at(row, from),
                    expected: "an old small-area code".into(),
                    found: String::new(),
                });
            }
            let Some(&area) = index.get(new) else {
                return Err(EngineError::BadValue {
                    at: at(row, to),
                    expected: "a small-area code of the geography".into(),
                    found: new.to_string(),
                });
            };
            match mapped.get(old) {
                Some(&(other, first)) if other != area => {
                    return Err(EngineError::BadValue {
                        at: at(row, to),
                        expected: format!("one area for \"{old}\" (row {first} maps it elsewhere: a split; give a best-fit lookup, one row per old code)"),
                        found: new.to_string(),
                    })
                }
                Some(_) => {}
                None => {
                    mapped.insert(old.to_string(), (area, row));
                }
            }
        }
    }
    let mut added = 0;
    for (old, (area, row)) in mapped {
        match index.get(&old) {
            Some(&current) if current != area => {
                return Err(EngineError::BadValue {
                    at: at(row, from),
                    expected: "an old code that is not another small area of the geography".into(),
                    found: old,
                })
            }
            Some(_) => {}
            None => {
                index.insert(old, area);
                added += 1;
            }
        }
    }
    Ok(added)
}

/// The parents of a published level's areas from the lookup `table` (`parents`, of the level
/// `area_type`): area code → (parent code, parent name). Several rows of one area (a lookup of
/// small areas, one row each) must give it the same parent.
///
/// # Errors
/// A missing column; an empty area or parent code; an area given two different parents
/// (naming the row of each). Each names the file, row and column.
pub fn read_published_parents(
    table: InputTable,
    parents: &PublishedParents,
    area_type: &str,
) -> Result<HashMap<String, (String, String)>> {
    let field = |f: &str| format!("the {area_type} lookup's {f} (geography.published_level.parents.{f})");
    let mut texts =
        vec![table.column(&parents.code, &field("code"))?, table.column(&parents.parent, &field("parent"))?];
    if let Some(name) = &parents.parent_name {
        texts.push(table.column(name, &field("parent_name"))?);
    }
    let headers = table.headers().to_vec();
    let mut reader = table.chunks(ColumnRequest { numbers: Vec::new(), texts: texts.clone() })?;
    let file = reader.name().to_string();
    let at = |row: u64, col: usize| Location { file: file.clone(), row: Some(row), column: headers.get(col).cloned() };
    let mut out: HashMap<String, (String, String)> = HashMap::new();
    let mut first_row: HashMap<String, u64> = HashMap::new();
    while let Some(chunk) = reader.next_chunk()? {
        for r in 0..chunk.len {
            let row = chunk.first_row + r as u64;
            let text = |slot: usize| chunk.text(slot, r).map(str::trim).unwrap_or("");
            let (code, parent) = (text(0), text(1));
            for (slot, cell, what) in [(0, code, "code"), (1, parent, "parent's code")] {
                if cell.is_empty() {
                    return Err(EngineError::BadValue {
                        at: at(row, texts[slot]),
                        expected: format!("a {area_type} {what}"),
                        found: String::new(),
                    });
                }
            }
            let name = if texts.len() > 2 { text(2) } else { "" };
            let name = if name.is_empty() { parent } else { name };
            match out.get(code) {
                Some((other, _)) if other != parent => {
                    return Err(EngineError::BadValue {
                        at: at(row, texts[1]),
                        expected: format!(
                            "one parent for {area_type} \"{code}\" (row {} gives \"{other}\")",
                            first_row[code]
                        ),
                        found: parent.to_string(),
                    })
                }
                Some(_) => {}
                None => {
                    out.insert(code.to_string(), (parent.to_string(), name.to_string()));
                    first_row.insert(code.to_string(), row);
                }
            }
        }
    }
    Ok(out)
}

fn resolve_places(
    places: &[PlaceSpec],
    area_type: &str,
    index: &HashMap<String, u32>,
    levels: &[Level],
    catalogue_file: &str,
) -> Result<Level> {
    let what = if area_type == PLACE_TYPE { "place" } else { "peer_group" };
    let mut out = Level {
        area_type: area_type.to_string(),
        codes: Vec::new(),
        names: Vec::new(),
        parents: Vec::new(),
        members: Vec::new(),
    };
    for place in places {
        let mut members = Vec::new();
        for (code, line) in &place.areas {
            if let Some(&small) = index.get(code) {
                members.push(small);
                continue;
            }
            let found = levels.iter().find_map(|l| l.codes.iter().position(|c| c == code).map(|i| &l.members[i]));
            match found {
                Some(m) => members.extend_from_slice(m),
                None => {
                    return Err(EngineError::Catalogue {
                        file: catalogue_file.to_string(),
                        line: Some(*line),
                        field: Some(format!("{what} \"{}\".areas", place.code)),
                        message: format!("expected the code of an area in the geography, found \"{code}\""),
                    })
                }
            }
        }
        members.sort_unstable();
        members.dedup();
        out.codes.push(place.code.clone());
        out.names.push(place.name.clone());
        out.parents.push(None);
        out.members.push(members);
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::compute::catalogue::LevelSpec;
    use std::io::Write as _;

    fn spec() -> GeographySpec {
        let level = |t: &str, c: &str| LevelSpec {
            area_type: t.into(),
            code: format!("{c}_code"),
            name: format!("{c}_name"),
            nested: true,
            shares_codes: false,
        };
        GeographySpec {
            table: "areas".into(),
            small_area: LevelSpec {
                area_type: "LSOA".into(),
                code: "lsoa_code".into(),
                name: "lsoa_name".into(),
                nested: true,
                shares_codes: false,
            },
            levels: vec![level("Local authority", "la"), level("England", "eng")],
            deprivation_decile: Some("decile".into()),
            deprivation_score: None,
            benchmark_level: 1,
            code_changes: None,
            published_levels: Vec::new(),
        }
    }

    fn read(csv: &str) -> Result<Geography> {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("areas.csv");
        std::fs::File::create(&path).unwrap().write_all(csv.as_bytes()).unwrap();
        let places =
            [PlaceSpec { code: "P1".into(), name: "Two towns".into(), areas: vec![("A".into(), 3), ("L2".into(), 4)] }];
        Geography::read(InputTable::open(path.to_str().unwrap())?, &spec(), &places, &[], "c.toml")
    }

    const HEAD: &str = "lsoa_code,lsoa_name,la_code,la_name,eng_code,eng_name,decile\n";

    #[test]
    fn reads_levels_parents_members_and_places() {
        let g =
            read(&format!("{HEAD}A,a,L1,One,E,England,1\nB,b,L1,One,E,England,10\nC,c,L2,Two,E,England,5\n")).unwrap();
        assert_eq!(g.deciles, vec![1, 10, 5]);
        assert_eq!(g.levels[0].codes, vec!["L1", "L2"]);
        assert_eq!(g.levels[0].members, vec![vec![0, 1], vec![2]]);
        assert_eq!(g.levels[0].parents[1], Some(("E".to_string(), "England".to_string())));
        assert_eq!(g.levels[1].members, vec![vec![0, 1, 2]]);
        assert_eq!(g.places.unwrap().members, vec![vec![0, 2]]);
    }

    #[test]
    fn deciles_come_from_scores_as_phe_quantile_assigns_them() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("areas.csv");
        let mut csv = String::from("lsoa_code,lsoa_name,la_code,la_name,eng_code,eng_name,score\n");
        for i in 0..20 {
            csv.push_str(&format!("A{i},a,L1,One,E,England,{}\n", i as f64 * 1.5));
        }
        std::fs::write(&path, csv).unwrap();
        let mut spec = spec();
        spec.deprivation_decile = None;
        spec.deprivation_score = Some("score".into());
        let g = Geography::read(InputTable::open(path.to_str().unwrap()).unwrap(), &spec, &[], &[], "c.toml").unwrap();
        // Twenty areas, two to a decile; the highest scores are the most deprived.
        assert_eq!(g.deciles[19], 1);
        assert_eq!(g.deciles[18], 1);
        assert_eq!(g.deciles[0], 10);
        assert_eq!(g.deciles.iter().filter(|&&d| d == 5).count(), 2);
    }

    #[test]
    fn two_parents_cycles_and_bad_rows_are_errors() {
        let e = read(&format!("{HEAD}A,a,L1,One,E,England,1\nB,b,L1,One,F,Elsewhere,2\n")).unwrap_err().to_string();
        assert!(
            e.contains("row 2") && e.contains("column \"eng_code\"") && e.contains("an area in two parents"),
            "{e}"
        );
        let e = read(&format!("{HEAD}A,a,L1,One,L1,England,1\n")).unwrap_err().to_string();
        assert!(e.contains("cycle") && e.contains("column \"eng_code\""), "{e}");
        let e = read(&format!("{HEAD}A,a,A,One,E,England,1\n")).unwrap_err().to_string();
        assert!(e.contains("cycle"), "{e}");
        let e = read(&format!("{HEAD}A,a,L1,One,E,England,1\nA,a,L1,One,E,England,1\n")).unwrap_err().to_string();
        assert!(e.contains("row 2") && e.contains("one row only"), "{e}");
        let e = read(&format!("{HEAD}A,a,L1,One,E,England,11\n")).unwrap_err().to_string();
        assert!(e.contains("column \"decile\"") && e.contains("1 (most deprived) to 10"), "{e}");
        let e = read(&format!("{HEAD}B,b,L1,One,E,England,1\n")).unwrap_err().to_string();
        assert!(e.contains("c.toml, line 3") && e.contains("\"A\""), "{e}");
    }
}
