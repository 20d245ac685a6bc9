//! The geography of a world, whoever built it: regions, ICBs, local authorities, MSOAs and
//! small areas with their deprivation, and the real files it was read from. [`crate::world`]
//! builds an invented one, [`crate::lookup`] one of real areas from ONS lookup files.

/// The code of England.
pub const ENGLAND_CODE: &str = "E92000001";
/// The name of England.
pub const ENGLAND_NAME: &str = "England";

/// A region.
#[derive(Clone, Debug)]
pub struct Region {
    /// GSS-pattern code (E12 9xxxxx).
    pub code: String,
    /// Name (the real region's).
    pub name: String,
}

/// An Integrated Care Board.
#[derive(Clone, Debug)]
pub struct Icb {
    /// GSS-pattern code (E54 9xxxxx).
    pub code: String,
    /// Name, "NHS … Integrated Care Board".
    pub name: String,
    /// Index of its region (for a real ICB spanning regions, the one holding most of its
    /// small areas).
    pub region: usize,
}

/// A county: an upper-tier local authority over two or more districts (lower-tier
/// authorities) of one region. An authority in no county is unitary: its own upper tier.
#[derive(Clone, Debug)]
pub struct County {
    /// GSS-pattern code (E10 9xxxxx), or the real code.
    pub code: String,
    /// Name (invented, or the real name).
    pub name: String,
    /// Index of its region.
    pub region: usize,
}

/// A lower-tier local authority.
#[derive(Clone, Debug)]
pub struct Authority {
    /// GSS-pattern code (E06 / E07 / E08 / E09 9xxxxx), or the real code.
    pub code: String,
    /// Name (invented, or the real name).
    pub name: String,
    /// Index of its ICB (for a real authority split between ICBs, the one holding most of its
    /// small areas; each small area has its own ICB).
    pub icb: usize,
    /// Index of its region.
    pub region: usize,
    /// Index of its county in [`World::counties`] for a district of a two-tier area; `None` for
    /// a unitary authority (its own upper tier).
    pub county: Option<usize>,
}

/// A middle-layer super output area.
#[derive(Clone, Debug)]
pub struct Msoa {
    /// GSS-pattern code (E02 9xxxxx).
    pub code: String,
    /// Name, "<authority> 001".
    pub name: String,
    /// Index of its authority.
    pub authority: usize,
}

/// A small area (LSOA-like).
#[derive(Clone, Debug)]
pub struct SmallArea {
    /// GSS-pattern code (E01 9xxxxx).
    pub code: String,
    /// Name, "<authority> 001A".
    pub name: String,
    /// Index of its MSOA.
    pub msoa: usize,
    /// Index of its authority.
    pub authority: usize,
    /// Index of its ICB.
    pub icb: usize,
    /// Index of its region.
    pub region: usize,
    /// IMD-like deprivation score (higher is more deprived), 3 decimals.
    pub score: f64,
    /// Rank of the score within the world, 1 = most deprived.
    pub rank: u32,
    /// Decile of the rank, 1 = most deprived 10%.
    pub decile: u8,
}

impl SmallArea {
    /// The area's position on the deprivation scale in (0, 1), 1 the most deprived:
    /// 1 − (rank − ½)/N.
    pub fn deprivation_position(&self, areas: usize) -> f64 {
        1.0 - (self.rank as f64 - 0.5) / areas.max(1) as f64
    }
}

/// The whole geography of a synthetic (or real-coded) world.
#[derive(Clone, Debug)]
pub struct World {
    /// Regions.
    pub regions: Vec<Region>,
    /// ICBs.
    pub icbs: Vec<Icb>,
    /// Local authorities (lower tier).
    pub authorities: Vec<Authority>,
    /// Counties (upper-tier authorities over districts); the other authorities are unitary.
    pub counties: Vec<County>,
    /// MSOAs.
    pub msoas: Vec<Msoa>,
    /// Small areas, in code order.
    pub small_areas: Vec<SmallArea>,
    /// Whether the area codes and names are invented (false when built from real lookups).
    pub synthetic: bool,
    /// Whether the MSOA codes are derived (reserved range E02 9xxxxx) rather than read from a
    /// lookup; true for the synthetic world and for real lookups without MSOA columns.
    pub derived_msoa_codes: bool,
    /// Whether the deprivation score, rank and decile are drawn (false when a real IMD file was
    /// read).
    pub synthetic_deprivation: bool,
    /// The number of small areas the ranks are out of: the world's own for a drawn score, all
    /// of England's (33,755) for a real IMD file, whose ranks and deciles are national.
    pub ranked_out_of: usize,
    /// The real files the world was built from, in the order read (none for a synthetic world).
    pub inputs: Vec<RealInput>,
}

impl World {
    /// The code and name of the upper-tier authority of authority `index`: its county's, or
    /// for a unitary authority its own.
    pub fn upper_tier(&self, index: usize) -> (&str, &str) {
        let la = &self.authorities[index];
        match la.county.and_then(|c| self.counties.get(c)) {
            Some(county) => (&county.code, &county.name),
            None => (&la.code, &la.name),
        }
    }

    /// The columns of the `areas` table whose values are invented in this world, in table
    /// order (empty when every value is real).
    pub fn synthetic_columns(&self) -> Vec<&'static str> {
        let mut columns = Vec::new();
        if self.synthetic {
            // Region names and England are real even in the synthetic world.
            columns.extend([
                "lsoa_code",
                "lsoa_name",
                "msoa_code",
                "msoa_name",
                "ltla_code",
                "ltla_name",
                "utla_code",
                "utla_name",
                "icb_code",
                "icb_name",
                "region_code",
            ]);
        } else if self.derived_msoa_codes {
            columns.push("msoa_code");
        }
        if self.synthetic_deprivation {
            columns.extend(["imd_score", "imd_rank", "imd_decile"]);
        }
        columns
    }
}

/// A real file a world was built from, as the manifest records it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RealInput {
    /// `lookup` or `deprivation`.
    pub role: &'static str,
    /// The file's name (without its directory, so the manifest does not depend on where the
    /// files are).
    pub file: String,
    /// What it is, from its columns: "ONS LSOA (2021) to ward (2024) to local authority (2024)
    /// lookup", or "English Indices of Deprivation (MHCLG): …".
    pub description: String,
    /// The columns used, as the file spells them.
    pub columns: Vec<String>,
    /// Data rows read.
    pub rows: u64,
    /// Rows of English areas kept (rows keyed by a Welsh or Scottish code are skipped).
    pub english_rows: u64,
}
