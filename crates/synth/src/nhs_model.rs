//! The NHS activity model of `fairer generate --activity`: ethnic groups and their NHS codes, the
//! shares of unknown ethnicity codes by source, and each measure's national level, deprivation
//! gradient, ethnic ratios and age profile, with where each figure comes from.
//!
//! # Rates
//!
//! A count measure of sex s in life-table band b, true ethnic group g, in a small area of centred
//! deprivation x (see [`crate::model::deprivation_x`], from about −0.42 to 0.58) of ICB i in year
//! t has the rate per person-year
//!
//! r = level · a(b) / ā · exp(β_it · x + u_i) · e(g),   β_it = ln(deprivation) + δ_i · (t − t̄)
//!
//! where a(b) is the measure's age profile (zero outside its ages), ā its mean over the national
//! age structure within those ages (so that the crude rate at x = 0 is `level`), `deprivation`
//! the rate ratio between the most and the least deprived ends of x (one unit of x apart), u_i
//! the ICB's effect (sd [`ICB_LEVEL_SD`]), δ_i the ICB's trend in the gradient (sd
//! [`ICB_GAP_TREND_SD`] a year: some systems' gaps narrow, some widen) and e(g) the ratio of
//! group g to White. A proportion measure has the same form on the log-odds scale:
//! logit p = logit(level) + β_it · x + u_i + ln e(g), its ratios being odds ratios.
//!
//! # Sources
//!
//! Levels and ratios are approximate: each [`Measure`] names its source and says whether the
//! figure was checked against that source's headline figure ([`Measure::checked`]); the others
//! are *provisional* (illustrative orders of magnitude for a synthetic world, to be replaced by
//! checked figures). Nothing here describes real people.

/// The true ethnic groups (Census 2021 high-level groups), in the order used everywhere: index 0
/// is White, the reference group of the ratios.
pub const GROUPS: [&str; 5] = [
    "White",
    "Asian, Asian British or Asian Welsh",
    "Black, Black British, Black Welsh, Caribbean or African",
    "Mixed or Multiple ethnic groups",
    "Other ethnic group",
];

/// The number of true ethnic groups.
pub const G: usize = GROUPS.len();

/// The recorded ethnic groups written in `nhs_activity.ethnic_group`: the five groups of
/// [`GROUPS`], then "Not stated" (NHS code Z: asked, declined) and "Not known" (99: not asked or
/// not recorded). These labels are the contract with the engine's `ethnicity` classification
/// (`docs/scorecard.md` §1).
pub const RECORDED: [&str; 7] = [GROUPS[0], GROUPS[1], GROUPS[2], GROUPS[3], GROUPS[4], "Not stated", "Not known"];

/// Index of "Not stated" in [`RECORDED`].
pub const NOT_STATED: usize = 5;
/// Index of "Not known" in [`RECORDED`].
pub const NOT_KNOWN: usize = 6;

/// NHS Data Dictionary "ethnic category" codes written in `hospital_events.ethnic_group`.
pub const CODES: [&str; 18] =
    ["A", "B", "C", "D", "E", "F", "G", "H", "J", "K", "L", "M", "N", "P", "R", "S", "Z", "99"];

/// For each recorded group of [`RECORDED`], its codes (indices into [`CODES`]) and the share of
/// each within the group.
///
/// White: A British 0.88, B Irish 0.01, C any other White 0.11 (as `docs/scorecard.md` §2, from
/// Census 2021 TS021's detailed White groups, rounded). The other groups' shares are
/// **provisional**, rounded from the England and Wales Census 2021 detailed figures (Indian 3.1%,
/// Pakistani 2.7%, Bangladeshi 1.1%, other Asian 1.6%; African 2.5%, Caribbean 1.0%, other Black
/// 0.5%; White and Black Caribbean 0.9%, White and Black African 0.4%, White and Asian 0.8%, other
/// Mixed 0.8%) and not checked against the table here. Chinese (R) falls in "Other ethnic group"
/// as the NHS 2001-based codes and the engine's classification put it.
pub const CODE_SHARES: [&[(usize, f64)]; 7] = [
    &[(0, 0.88), (1, 0.01), (2, 0.11)],
    &[(7, 0.36), (8, 0.32), (9, 0.13), (10, 0.19)],
    &[(11, 0.25), (12, 0.62), (13, 0.13)],
    &[(3, 0.31), (4, 0.14), (5, 0.28), (6, 0.27)],
    &[(14, 0.24), (15, 0.76)],
    &[(16, 1.0)],
    &[(17, 1.0)],
];

/// A region's Census 2021 shares of the five groups of [`GROUPS`], in percent of usual residents.
#[derive(Clone, Copy, Debug)]
pub struct RegionEthnicity {
    /// The region's name as ONS writes it.
    pub region: &'static str,
    /// Percent White, Asian, Black, Mixed, Other (summing to 100).
    pub percent: [f64; G],
    /// Whether the figures were checked against the published table here.
    pub checked: bool,
}

/// England's shares (ONS Census 2021, TS021 "Ethnic group", England: White 81.0%, Asian 9.6%,
/// Black 4.2%, Mixed 3.0%, Other 2.2%), used for a region whose name is not in
/// [`REGION_ETHNICITY`].
pub const ENGLAND_ETHNICITY: [f64; G] = [81.0, 9.6, 4.2, 3.0, 2.2];

/// The regions' shares: ONS Census 2021, table TS021 "Ethnic group" (usual residents, 21 March
/// 2021), regions of England.
///
/// **Provisional** except where `checked`: the TS021 regional table could not be read here, so
/// the figures are rounded from memory of the published release and made to sum to 100; their
/// population-weighted mean is within 0.2 points of England's published shares
/// ([`ENGLAND_ETHNICITY`]) in every group (tested). Checked: London (White 53.8%, Asian 20.7%,
/// Black 13.5%, Mixed 5.7%, Other 6.3%, as `docs/scorecard.md` §2 quotes the table); the North
/// East's non-White total, 7.0% (ONS, "Ethnic group, England and Wales: Census 2021"); the North
/// West's Asian share, 8.4% (TS022 region total 622,683 of 7,417,395 residents).
pub const REGION_ETHNICITY: [RegionEthnicity; 9] = [
    RegionEthnicity { region: "North East", percent: [93.0, 3.7, 1.0, 1.3, 1.0], checked: false },
    RegionEthnicity { region: "North West", percent: [86.0, 8.4, 2.1, 2.0, 1.5], checked: false },
    RegionEthnicity { region: "Yorkshire and The Humber", percent: [85.4, 9.6, 1.8, 2.0, 1.2], checked: false },
    RegionEthnicity { region: "East Midlands", percent: [85.7, 8.7, 2.1, 2.3, 1.2], checked: false },
    RegionEthnicity { region: "West Midlands", percent: [77.0, 13.3, 4.3, 3.0, 2.4], checked: false },
    RegionEthnicity { region: "East of England", percent: [86.5, 6.4, 2.9, 2.6, 1.6], checked: false },
    RegionEthnicity { region: "London", percent: [53.8, 20.7, 13.5, 5.7, 6.3], checked: true },
    RegionEthnicity { region: "South East", percent: [86.3, 7.0, 2.4, 2.8, 1.5], checked: false },
    RegionEthnicity { region: "South West", percent: [93.1, 2.7, 1.1, 2.2, 0.9], checked: false },
];

/// Usual residents of each region of [`REGION_ETHNICITY`] in Census 2021, millions (rounded;
/// only used to check the regional shares against England's).
pub const REGION_RESIDENTS: [f64; 9] = [2.65, 7.42, 5.48, 4.88, 5.95, 6.33, 8.80, 9.28, 5.70];

/// The shares (fractions summing to 1) of the five groups in region `name`: its row of
/// [`REGION_ETHNICITY`], or England's for a name not there.
pub fn region_shares(name: &str) -> [f64; G] {
    let percent = REGION_ETHNICITY
        .iter()
        .find(|r| r.region.eq_ignore_ascii_case(name.trim()))
        .map_or(ENGLAND_ETHNICITY, |r| r.percent);
    let total: f64 = percent.iter().sum();
    percent.map(|p| p / total)
}

/// Log-odds effect of one unit of deprivation x on an area's non-White share (`docs/scorecard.md`
/// §2; illustrative: minority groups live in more deprived areas on average).
pub const ETHNIC_DEPRIVATION: f64 = 0.6;
/// Sd of the local authority effect on the log-odds of the non-White share (a few Leicesters and
/// Newhams).
pub const ETHNIC_AUTHORITY_SD: f64 = 0.8;
/// Sd of the small-area noise on the log-odds of the non-White share.
pub const ETHNIC_AREA_SD: f64 = 0.5;
/// Dirichlet concentration of an area's split of its non-White share among Asian, Black, Mixed
/// and Other around its region's mix.
pub const ETHNIC_MIX_CONCENTRATION: f64 = 30.0;

/// Relative odds of being in a non-White group by band: children (0–19) ×1.4, 65+ ×0.4, else 1
/// (the non-White population is younger; illustrative, after Census 2021 age by ethnic group).
pub fn non_white_age_factor(band: usize) -> f64 {
    match band {
        0..=4 => 1.4,
        14.. => 0.4,
        _ => 1.0,
    }
}

/// A source of records, with its own shares of unknown ethnicity codes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Source {
    /// GP registration (and the GP registers: SMI, hypertension, flu, diabetes).
    Gp = 0,
    /// Hospital admissions (and outpatients, waiting lists, cancer registrations, maternity).
    Admissions = 1,
    /// A&E attendances.
    Ae = 2,
}

/// Shares of "Not stated" and "Not known" by [`Source`] at x = 0 and an ICB effect of 0:
/// GP 5% + 4%, admissions 3% + 3%, A&E 6% + 6% (**provisional**: `docs/scorecard.md` §2's
/// illustrative figures, of the order of NHS England's published data-quality reports).
pub const UNKNOWN: [[f64; 2]; 3] = [[0.05, 0.04], [0.03, 0.03], [0.06, 0.06]];
/// Sd of an ICB's effect on the log-odds of both unknown codes (some systems record much worse).
pub const UNKNOWN_ICB_SD: f64 = 0.5;
/// Effect of one unit of deprivation x on the log-odds of both unknown codes.
pub const UNKNOWN_DEPRIVATION: f64 = 0.3;
/// Share of A&E attendances whose sex is "Not known".
pub const AE_SEX_NOT_KNOWN: f64 = 0.002;

/// Sd of an ICB's effect on each measure's log rate (or log-odds).
pub const ICB_LEVEL_SD: f64 = 0.1;
/// Sd of an ICB's yearly trend in each measure's deprivation coefficient.
pub const ICB_GAP_TREND_SD: f64 = 0.03;

/// Whether a measure is a rate per person-year (a Poisson count, or binomial for a register) or
/// a proportion of another count.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Scale {
    /// Per person-year; ratios are rate ratios.
    Rate,
    /// Of a denominator count; ratios are odds ratios.
    Proportion,
}

/// One modelled measure.
#[derive(Clone, Copy, Debug)]
pub struct Measure {
    /// The `nhs_activity` column it fills (or, for the split of a measure into its parts, a name).
    pub column: &'static str,
    /// What is counted.
    pub what: &'static str,
    /// Rate or proportion.
    pub scale: Scale,
    /// Rate per person-year (within its ages) or proportion, at x = 0 for White people.
    pub level: f64,
    /// Rate (or odds) ratio between the most and least deprived ends of x.
    pub deprivation: f64,
    /// Ratio (rate or odds) of each group of [`GROUPS`] to White.
    pub ethnic: [f64; G],
    /// Relative rate by band (zero outside the measure's ages); `None`: every band alike.
    pub profile: Option<[f64; 20]>,
    /// The source of the level and ratios.
    pub source: &'static str,
    /// Whether the level was checked against the source's headline figure here; otherwise the
    /// figures are provisional (illustrative).
    pub checked: bool,
}

const NO_ETHNIC: [f64; G] = [1.0; G];

/// Index of each measure in [`MEASURES`].
pub mod m {
    /// A&E attendances.
    pub const AE: usize = 0;
    /// Emergency admissions, all causes.
    pub const EMERGENCY: usize = 1;
    /// Elective admissions.
    pub const ELECTIVE: usize = 2;
    /// Emergency admissions for myocardial infarction, 40+.
    pub const MI: usize = 3;
    /// Emergency admissions for stroke, 40+.
    pub const STROKE: usize = 4;
    /// Emergency admissions for asthma, 0–19.
    pub const ASTHMA: usize = 5;
    /// Emergency admissions for epilepsy, 0–19.
    pub const EPILEPSY: usize = 6;
    /// Emergency admissions for self-harm, 10–24.
    pub const SELF_HARM: usize = 7;
    /// Outpatient appointments.
    pub const OUTPATIENT: usize = 8;
    /// Share of appointments not attended.
    pub const DNA: usize = 9;
    /// People on the elective waiting list.
    pub const WAITING: usize = 10;
    /// Share of the list waiting 18+ weeks.
    pub const WAIT_18: usize = 11;
    /// Share of those waiting 18+ weeks who wait 52+.
    pub const WAIT_52: usize = 12;
    /// Cancers diagnosed.
    pub const CANCER: usize = 13;
    /// Share of cancers with a recorded stage.
    pub const STAGED: usize = 14;
    /// Share of staged cancers at stage 1 or 2.
    pub const EARLY: usize = 15;
    /// Severe mental illness register, 15+.
    pub const SMI: usize = 16;
    /// Share of the SMI register with all six health checks.
    pub const SMI_CHECKS: usize = 17;
    /// Hypertension register, 20+.
    pub const HYPERTENSION: usize = 18;
    /// Share of the hypertension register treated to target.
    pub const HTN_TARGET: usize = 19;
    /// Share of people 65+ vaccinated against flu.
    pub const FLU: usize = 20;
    /// Share of 5-year-olds examined in the oral health survey.
    pub const EXAMINED: usize = 21;
    /// Share of examined 5-year-olds with decay.
    pub const DECAY: usize = 22;
    /// Share of live births preterm.
    pub const PRETERM: usize = 23;
    /// Type 1 diabetes, 0–19.
    pub const CYP_DIABETES: usize = 24;
    /// Share of children with diabetes whose HbA1c is under 58 mmol/mol.
    pub const HBA1C: usize = 25;
}

/// The number of modelled measures.
pub const MEASURE_COUNT: usize = 26;

const fn ages(from: usize, to: usize, values: [f64; 20]) -> Option<[f64; 20]> {
    let mut out = [0.0; 20];
    let mut b = from;
    while b <= to {
        out[b] = values[b];
        b += 1;
    }
    Some(out)
}

const ONES: [f64; 20] = [1.0; 20];
const ELECTIVE_PROFILE: [f64; 20] =
    [0.3, 0.3, 0.25, 0.25, 0.3, 0.4, 0.5, 0.55, 0.6, 0.7, 0.8, 1.0, 1.2, 1.4, 1.8, 2.1, 2.3, 2.3, 2.0, 1.5];
const CIRCULATORY_PROFILE: [f64; 20] =
    [0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.15, 0.25, 0.4, 0.55, 0.75, 1.0, 1.3, 1.7, 2.2, 2.7, 3.0];

/// The measures, in the order of [`m`].
pub const MEASURES: [Measure; MEASURE_COUNT] = [
    Measure {
        column: "ae_attendances",
        what: "A&E attendances (all types) a person-year, U-shaped by age",
        scale: Scale::Rate,
        level: 0.44,
        deprivation: 1.8,
        ethnic: [1.0, 1.0, 1.2, 1.2, 1.0],
        profile: Some([
            1.6, 1.0, 0.6, 0.65, 1.0, 1.1, 0.95, 0.85, 0.8, 0.75, 0.75, 0.75, 0.75, 0.8, 0.85, 1.0, 1.3, 1.7, 2.2, 2.8,
        ]),
        source: "NHS England A&E Attendances and Emergency Admissions (about 25 million attendances a year in England: about 0.44 a person); deprivation ratio after NHS Digital Hospital Accident and Emergency Activity by IMD decile",
        checked: false,
    },
    Measure {
        column: "emergency_admissions",
        what: "emergency admissions, all causes, a person-year",
        scale: Scale::Rate,
        level: 0.11,
        deprivation: 1.9,
        ethnic: [1.0, 1.05, 1.05, 1.0, 1.0],
        profile: Some([
            1.5, 0.6, 0.3, 0.3, 0.45, 0.5, 0.5, 0.5, 0.55, 0.6, 0.7, 0.8, 0.95, 1.1, 1.4, 1.8, 2.5, 3.4, 4.5, 5.5,
        ]),
        source: "NHS Digital Hospital Admitted Patient Care Activity (about 6.3 million emergency admissions a year); gradient after the Nuffield Trust/Health Foundation QualityWatch emergency admissions by deprivation",
        checked: false,
    },
    Measure {
        column: "elective_admissions",
        what: "elective admissions (ordinary and day case) a person-year",
        scale: Scale::Rate,
        level: 0.14,
        deprivation: 1.0,
        ethnic: [1.0, 0.85, 0.8, 1.0, 1.0],
        profile: Some(ELECTIVE_PROFILE),
        source: "NHS Digital Hospital Admitted Patient Care Activity (about 8 million elective admissions a year); no gradient: lower relative to need in deprived areas (Nuffield Trust)",
        checked: false,
    },
    Measure {
        column: "emergency_mi",
        what: "emergency admissions for myocardial infarction (ICD-10 I21-I22) a person-year, 40+",
        scale: Scale::Rate,
        level: 0.0014,
        deprivation: 2.2,
        ethnic: [1.0, 1.5, 1.0, 1.0, 1.0],
        profile: ages(9, 19, CIRCULATORY_PROFILE),
        source: "NHS Digital Hospital Episode Statistics, primary diagnosis I21-I22 (about 85,000 a year); South Asian excess after the British Heart Foundation's statistics",
        checked: false,
    },
    Measure {
        column: "emergency_stroke",
        what: "emergency admissions for stroke (ICD-10 I61-I64) a person-year, 40+",
        scale: Scale::Rate,
        level: 0.0016,
        deprivation: 1.8,
        ethnic: [1.0, 1.0, 1.6, 1.0, 1.0],
        profile: ages(9, 19, CIRCULATORY_PROFILE),
        source: "Sentinel Stroke National Audit Programme (about 90,000 stroke admissions a year in England); Black excess after the Stroke Association",
        checked: false,
    },
    Measure {
        column: "emergency_asthma",
        what: "emergency admissions for asthma (ICD-10 J45-J46) a person-year, 0-19",
        scale: Scale::Rate,
        level: 0.0018,
        deprivation: 2.0,
        ethnic: [1.0, 1.5, 2.0, 1.0, 1.0],
        profile: ages(0, 4, [0.5, 1.6, 1.2, 0.8, 0.6, 0., 0., 0., 0., 0., 0., 0., 0., 0., 0., 0., 0., 0., 0., 0.]),
        source: "OHID Fingertips, hospital admissions for asthma (under 19 years), England about 150-200 per 100,000",
        checked: false,
    },
    Measure {
        column: "emergency_epilepsy",
        what: "emergency admissions for epilepsy (ICD-10 G40-G41) a person-year, 0-19",
        scale: Scale::Rate,
        level: 0.0008,
        deprivation: 1.6,
        ethnic: NO_ETHNIC,
        profile: ages(0, 4, ONES),
        source: "OHID Fingertips, hospital admissions for epilepsy (under 19 years), England about 70-80 per 100,000",
        checked: false,
    },
    Measure {
        column: "emergency_self_harm",
        what: "emergency admissions for intentional self-harm a person-year, 10-24 (females ×1.4, males ×0.6)",
        scale: Scale::Rate,
        level: 0.0025,
        deprivation: 2.0,
        ethnic: [1.0, 0.6, 1.0, 1.0, 1.0],
        profile: ages(3, 5, [0., 0., 0., 0.5, 1.5, 1.0, 0., 0., 0., 0., 0., 0., 0., 0., 0., 0., 0., 0., 0., 0.]),
        source: "OHID Fingertips, hospital admissions as a result of self-harm (10-24 years), England about 300-400 per 100,000",
        checked: false,
    },
    Measure {
        column: "outpatient_appointments",
        what: "outpatient appointments a person-year",
        scale: Scale::Rate,
        level: 2.2,
        deprivation: 1.0,
        ethnic: NO_ETHNIC,
        profile: Some(ELECTIVE_PROFILE),
        source: "NHS Digital Hospital Outpatient Activity (about 125 million appointments a year in England)",
        checked: false,
    },
    Measure {
        column: "outpatient_dna",
        what: "share of outpatient appointments not attended",
        scale: Scale::Proportion,
        level: 0.07,
        deprivation: 2.0,
        ethnic: [1.0, 1.0, 1.5, 1.0, 1.0],
        profile: None,
        source: "NHS Digital Hospital Outpatient Activity (did not attend about 7% of appointments)",
        checked: false,
    },
    Measure {
        column: "waiting_list",
        what: "people on the elective waiting list at 31 March, per person",
        scale: Scale::Rate,
        level: 0.13,
        deprivation: 1.0,
        ethnic: NO_ETHNIC,
        profile: Some(ELECTIVE_PROFILE),
        source: "NHS England Consultant-led Referral to Treatment Waiting Times (about 7.5 million pathways in 2024)",
        checked: false,
    },
    Measure {
        column: "waiting_18_weeks_plus",
        what: "share of the waiting list waiting 18 weeks or more",
        scale: Scale::Proportion,
        level: 0.42,
        deprivation: 1.2,
        ethnic: [1.0, 1.1, 1.1, 1.0, 1.0],
        profile: None,
        source: "NHS England Referral to Treatment Waiting Times (about 42% beyond 18 weeks in 2024); gradient after the King's Fund analysis of waits by deprivation",
        checked: false,
    },
    Measure {
        column: "waiting_52_weeks_plus",
        what: "share of those waiting 18+ weeks who wait 52 weeks or more (5% of the list / 42%)",
        scale: Scale::Proportion,
        level: 0.05 / 0.42,
        deprivation: 1.2,
        ethnic: [1.0, 1.1, 1.1, 1.0, 1.0],
        profile: None,
        source: "NHS England Referral to Treatment Waiting Times (about 5% of the list beyond 52 weeks in 2024)",
        checked: false,
    },
    Measure {
        column: "cancers_diagnosed",
        what: "cancers diagnosed a person-year",
        scale: Scale::Rate,
        level: 0.0058,
        deprivation: 1.15,
        ethnic: NO_ETHNIC,
        profile: Some([
            0.02, 0.02, 0.02, 0.02, 0.03, 0.05, 0.08, 0.1, 0.15, 0.25, 0.35, 0.5, 0.75, 1.0, 1.35, 1.7, 2.0, 2.2, 2.3,
            2.2,
        ]),
        source: "NHS Digital Cancer Registration Statistics (about 330,000 cancers a year in England: 0.0058 a person); incidence gradient illustrative",
        checked: false,
    },
    Measure {
        column: "cancers_staged",
        what: "share of diagnosed cancers with a recorded stage (stage unknown 8%)",
        scale: Scale::Proportion,
        level: 0.92,
        deprivation: 1.0,
        ethnic: NO_ETHNIC,
        profile: None,
        source: "NHS Digital Cancer Registration Statistics, stage at diagnosis (stage unknown about 8% of staging-eligible cancers)",
        checked: false,
    },
    Measure {
        column: "cancers_stage_1_2",
        what: "share of staged cancers at stage 1 or 2",
        scale: Scale::Proportion,
        level: 0.58,
        deprivation: 0.8,
        ethnic: NO_ETHNIC,
        profile: None,
        source: "NHS Digital Cancer Registration Statistics, stage at diagnosis (about 58% early of staged cancers; the NHS Long Term Plan ambition is 75%)",
        checked: false,
    },
    Measure {
        column: "smi_register",
        what: "people on the severe mental illness register, per person aged 15+",
        scale: Scale::Rate,
        level: 0.012,
        deprivation: 2.5,
        ethnic: [1.0, 1.0, 2.0, 1.0, 1.0],
        profile: ages(4, 19, ONES),
        source: "NHS Digital Quality and Outcomes Framework, mental health register (prevalence about 1.0% of all ages)",
        checked: false,
    },
    Measure {
        column: "smi_six_checks",
        what: "share of the SMI register with all six physical health checks in the year",
        scale: Scale::Proportion,
        level: 0.55,
        deprivation: 0.8,
        ethnic: [1.0, 1.0, 0.85, 1.0, 1.0],
        profile: None,
        source: "NHS England Physical Health Checks for people with Severe Mental Illness (about 55-60% in 2023/24)",
        checked: false,
    },
    Measure {
        column: "hypertension_register",
        what: "people on the hypertension register, per adult (20+); deprivation and ethnic ratios illustrative",
        scale: Scale::Rate,
        level: 0.14,
        deprivation: 1.3,
        ethnic: [1.0, 1.1, 1.2, 1.0, 1.0],
        profile: ages(5, 19, [
            0., 0., 0., 0., 0., 0.05, 0.07, 0.1, 0.15, 0.25, 0.4, 0.6, 0.8, 1.1, 1.4, 1.7, 1.9, 2.0, 2.0, 2.0,
        ]),
        source: "NHS Digital Quality and Outcomes Framework, hypertension register (prevalence about 14% of all ages)",
        checked: false,
    },
    Measure {
        column: "hypertension_at_target",
        what: "share of the hypertension register treated to target",
        scale: Scale::Proportion,
        level: 0.65,
        deprivation: 0.9,
        ethnic: [1.0, 1.0, 0.85, 1.0, 1.0],
        profile: None,
        source: "CVDPREVENT audit, hypertension treated to target (about 65%)",
        checked: false,
    },
    Measure {
        column: "flu_vaccinated_65_plus",
        what: "share of people 65+ vaccinated against flu",
        scale: Scale::Proportion,
        level: 0.78,
        deprivation: 0.6,
        ethnic: [1.0, 0.7, 0.35, 0.6, 1.0],
        profile: None,
        source: "UKHSA Seasonal influenza vaccine uptake in GP patients (65+ about 78% in 2023/24)",
        checked: false,
    },
    Measure {
        column: "examined_age_5",
        what: "share of 5-year-olds examined in the oral health survey",
        scale: Scale::Proportion,
        level: 0.30,
        deprivation: 1.0,
        ethnic: NO_ETHNIC,
        profile: None,
        source: "OHID National Dental Epidemiology Programme, oral health survey of 5-year-olds (a sample of children)",
        checked: false,
    },
    Measure {
        column: "decay_age_5",
        what: "share of examined 5-year-olds with experience of visible decay",
        scale: Scale::Proportion,
        level: 0.23,
        deprivation: 3.0,
        ethnic: [1.0, 1.8, 1.0, 1.0, 1.0],
        profile: None,
        source: "OHID National Dental Epidemiology Programme, oral health survey of 5-year-olds 2022 (23.7% with decay)",
        checked: false,
    },
    Measure {
        column: "preterm_births",
        what: "share of live births before 37 weeks",
        scale: Scale::Proportion,
        level: 0.075,
        deprivation: 1.4,
        ethnic: [1.0, 1.15, 1.4, 1.0, 1.0],
        profile: None,
        source: "ONS Birth characteristics in England and Wales (about 7.5-8% of live births preterm)",
        checked: false,
    },
    Measure {
        column: "cyp_diabetes",
        what: "children and young people with type 1 diabetes, per person aged 0-19",
        scale: Scale::Rate,
        level: 0.002,
        deprivation: 1.0,
        ethnic: NO_ETHNIC,
        profile: ages(0, 4, [0.05, 0.3, 0.8, 1.4, 1.6, 0., 0., 0., 0., 0., 0., 0., 0., 0., 0., 0., 0., 0., 0., 0.]),
        source: "RCPCH National Paediatric Diabetes Audit (about 30,000 children and young people with diabetes in England and Wales)",
        checked: false,
    },
    Measure {
        column: "cyp_diabetes_hba1c_under_58",
        what: "share of children with type 1 diabetes whose HbA1c is under 58 mmol/mol",
        scale: Scale::Proportion,
        level: 0.35,
        deprivation: 0.6,
        ethnic: [1.0, 1.0, 0.6, 1.0, 1.0],
        profile: None,
        source: "RCPCH National Paediatric Diabetes Audit 2022/23 (about 35-40% under 58 mmol/mol)",
        checked: false,
    },
];

/// The relative age profile of live births over the mothers' bands 15-19 … 40-44 (bands 4-9),
/// normalised to mean 1 over them (illustrative, after ONS births by age of mother).
pub const BIRTH_PROFILE: [f64; 6] = [0.25 / 0.9, 1.0, 1.45 / 0.9, 1.6 / 0.9, 0.95 / 0.9, 0.25 / 0.9];

/// Sex factor of self-harm admissions: males, females.
pub const SELF_HARM_SEX: [f64; 2] = [0.6, 1.4];

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn regional_shares_sum_to_100_and_average_to_england() {
        let total: f64 = REGION_RESIDENTS.iter().sum();
        for r in &REGION_ETHNICITY {
            assert!((r.percent.iter().sum::<f64>() - 100.0).abs() < 1e-9, "{}", r.region);
        }
        for g in 0..G {
            let mean: f64 =
                REGION_ETHNICITY.iter().zip(REGION_RESIDENTS).map(|(r, n)| r.percent[g] * n).sum::<f64>() / total;
            assert!((mean - ENGLAND_ETHNICITY[g]).abs() < 0.2, "{}: {mean:.2}", GROUPS[g]);
        }
        assert!((region_shares("London")[0] - 0.538).abs() < 1e-12);
        assert_eq!(region_shares("Atlantis"), ENGLAND_ETHNICITY.map(|p| p / 100.0));
    }

    #[test]
    fn code_shares_sum_to_one_and_columns_are_distinct() {
        for shares in CODE_SHARES {
            assert!((shares.iter().map(|s| s.1).sum::<f64>() - 1.0).abs() < 1e-9);
        }
        let mut columns: Vec<&str> = MEASURES.iter().map(|m| m.column).collect();
        columns.sort_unstable();
        columns.dedup();
        assert_eq!(columns.len(), MEASURE_COUNT);
        assert_eq!(MEASURES[m::HBA1C].column, "cyp_diabetes_hba1c_under_58");
        assert_eq!(MEASURES[m::FLU].column, "flu_vaccinated_65_plus");
    }
}
