//! NHS activity of the synthetic England (`fairer generate --activity`): the wide aggregate table
//! `nhs_activity` and, with `--microdata`, one row per hospital event (`hospital_events`), from
//! one draw so that the events add up to the aggregate table's event columns exactly.
//!
//! The activity covers the last five years generated (fewer if fewer are generated) as financial
//! years: `year` is the financial year's first calendar year (2024 = 2024/25), and its
//! population is that calendar year's. Each population cell (area, year, sex, band) is split into
//! true ethnic groups ([`crate::ethnicity::split_area`]); for each group the measures of
//! [`crate::nhs_model::MEASURES`] are drawn (Poisson for events, binomial for registers and
//! proportions, each proportion's numerator within its denominator), then each count's recorded
//! ethnic group: the true group, or "Not stated" / "Not known" with the probabilities of its
//! source ([`crate::nhs_model::UNKNOWN`]) shifted by the ICB's effect and the area's
//! deprivation. A&E attendances have sex "Not known" with probability 0.2%. Nobody has an
//! unknown small area or age (such a record could not be placed in an ICB or band).
//!
//! Emergency admissions are the sum of the five diagnoses (MI and stroke at 40+, asthma and
//! epilepsy at 0–19, self-harm at 10–24) and "other", whose rate is the all-cause rate less the
//! five's (at least a fifth of it). Registers, flu vaccination, diabetes and the dental survey
//! take the GP registration's recorded group (drawn once per cell and group); hospital events,
//! outpatients, waiting lists, cancers and births the admissions' (A&E its own).
//!
//! Streams: [`Stream::Activity`] item = the small area (counts), `ICB_ITEM +` ICB (effects),
//! `DETAIL_ITEM +` area (the single years of age and NHS codes of `hospital_events`, drawn
//! apart so that the counts are the same with or without microdata), `SCALE_ITEM +` area (the
//! random rounding of populations scaled for `--events`).

use std::sync::Arc;

use rayon::prelude::*;

use crate::ethnicity::{split_area, Ethnicity};
use crate::geography::World;
use crate::model::{self, logistic, logit, population_shares, BANDS, START_AGES};
use crate::nhs_model::{
    m, Scale, Source, AE_SEX_NOT_KNOWN, BIRTH_PROFILE, CODES, CODE_SHARES, ICB_GAP_TREND_SD, ICB_LEVEL_SD, MEASURES,
    MEASURE_COUNT, NOT_KNOWN, NOT_STATED, RECORDED, SELF_HARM_SEX, UNKNOWN, UNKNOWN_DEPRIVATION, UNKNOWN_ICB_SD,
};
use crate::people::People;
use crate::rng::{binomial, normal, poisson, stream_rng, uniform, Stream, SynthRng};
use crate::table::{Block, ColumnSpec, Kind, Values};

/// The most years of activity generated.
pub const ACTIVITY_YEARS: usize = 5;

/// The count columns of `nhs_activity`, in order (after `lsoa_code, year, sex, age_band,
/// start_age, ethnic_group`): the contract of `docs/scorecard.md` §2.
pub const COUNT_COLUMNS: [&str; 29] = [
    "registered_population",
    "ae_attendances",
    "emergency_admissions",
    "elective_admissions",
    "emergency_mi",
    "emergency_stroke",
    "emergency_asthma",
    "emergency_epilepsy",
    "emergency_self_harm",
    "outpatient_appointments",
    "outpatient_dna",
    "waiting_list",
    "waiting_18_weeks_plus",
    "waiting_52_weeks_plus",
    "cancers_diagnosed",
    "cancers_staged",
    "cancers_stage_1_2",
    "smi_register",
    "smi_six_checks",
    "hypertension_register",
    "hypertension_at_target",
    "flu_eligible_65_plus",
    "flu_vaccinated_65_plus",
    "examined_age_5",
    "decay_age_5",
    "live_births",
    "preterm_births",
    "cyp_diabetes",
    "cyp_diabetes_hba1c_under_58",
];
const C: usize = COUNT_COLUMNS.len();

/// Index of each column in [`COUNT_COLUMNS`].
mod col {
    pub const REGISTERED: usize = 0;
    pub const AE: usize = 1;
    pub const EMERGENCY: usize = 2;
    pub const ELECTIVE: usize = 3;
    pub const MI: usize = 4;
    pub const OUTPATIENT: usize = 9;
    pub const DNA: usize = 10;
    pub const WAITING: usize = 11;
    pub const WAIT_18: usize = 12;
    pub const WAIT_52: usize = 13;
    pub const CANCER: usize = 14;
    pub const STAGED: usize = 15;
    pub const EARLY: usize = 16;
    pub const SMI: usize = 17;
    pub const SMI_CHECKS: usize = 18;
    pub const HTN: usize = 19;
    pub const HTN_TARGET: usize = 20;
    pub const FLU_ELIGIBLE: usize = 21;
    pub const FLU: usize = 22;
    pub const EXAMINED: usize = 23;
    pub const DECAY: usize = 24;
    pub const BIRTHS: usize = 25;
    pub const PRETERM: usize = 26;
    pub const CYP_DIABETES: usize = 27;
    pub const HBA1C: usize = 28;
}

/// The sexes of the tables: "Not known" only on A&E attendances.
pub const SEX_LABELS: [&str; 3] = ["Male", "Female", "Not known"];
/// `hospital_events.activity` values.
pub const ACTIVITIES: [&str; 3] = ["ae", "emergency", "elective"];
/// `hospital_events.diagnosis` values: the five emergency diagnoses and "other" (every A&E
/// attendance and elective admission, and the other emergency admissions).
pub const DIAGNOSES: [&str; 6] = ["mi", "stroke", "asthma", "epilepsy", "self_harm", "other"];
/// The measures of the five diagnoses, in [`DIAGNOSES`] order.
const DIAGNOSIS_MEASURES: [usize; 5] = [m::MI, m::STROKE, m::ASTHMA, m::EPILEPSY, m::SELF_HARM];

const ICB_ITEM: u64 = 1 << 40;
const DETAIL_ITEM: u64 = 2 << 40;
const SCALE_ITEM: u64 = 3 << 40;

/// One ICB's effects.
#[derive(Clone, Debug)]
struct IcbEffects {
    /// On the log-odds of both unknown ethnicity codes.
    unknown: f64,
    /// On each measure's log rate or log-odds.
    level: [f64; MEASURE_COUNT],
    /// Yearly trend of each measure's deprivation coefficient.
    trend: [f64; MEASURE_COUNT],
}

/// What the activity is drawn from: the ethnic make-up of the areas, the ICBs' effects and each
/// rate measure's rate by band.
#[derive(Clone, Debug)]
pub struct Activity {
    /// The areas' ethnic make-up.
    pub ethnicity: Ethnicity,
    /// Index into the people's years of the first activity year.
    pub first: usize,
    /// Number of activity years.
    pub count: usize,
    icbs: Vec<IcbEffects>,
    /// level · a(b) / ā per rate measure and band (0 outside its ages); proportions: 0.
    band_rates: [[f64; BANDS]; MEASURE_COUNT],
}

/// One hospital event, as passed to the microdata sink: (year index within the activity, sex
/// index of [`SEX_LABELS`], band, recorded group of [`crate::nhs_model::RECORDED`], activity of
/// [`ACTIVITIES`], diagnosis of [`DIAGNOSES`], how many such events).
type EventSink<'a> = &'a mut dyn FnMut(usize, usize, usize, usize, usize, usize, u64);

/// The per-area probabilities of "Not stated" and "Not known" by source.
type Unknown = [[f64; 2]; 3];

impl Activity {
    /// Draws the ICBs' effects and the areas' ethnic make-up (solved against the populations of
    /// the last year).
    pub fn new(world: &World, people: &People, seed: u64) -> Activity {
        let count = people.years.count.min(ACTIVITY_YEARS);
        let first = people.years.count - count;
        let icbs = (0..world.icbs.len())
            .map(|i| {
                let mut rng = stream_rng(seed, Stream::Activity, ICB_ITEM + i as u64);
                let unknown = UNKNOWN_ICB_SD * normal(&mut rng);
                let level = std::array::from_fn(|_| ICB_LEVEL_SD * normal(&mut rng));
                let trend = std::array::from_fn(|_| ICB_GAP_TREND_SD * normal(&mut rng));
                IcbEffects { unknown, level, trend }
            })
            .collect();
        // The national age structure within each measure's ages, to normalise its profile.
        let shares = population_shares(0.0);
        let band_rates = std::array::from_fn(|k| {
            let measure = &MEASURES[k];
            let mut out = [0.0; BANDS];
            if measure.scale == Scale::Proportion {
                return out;
            }
            let profile = measure.profile.unwrap_or([1.0; BANDS]);
            let (mut weighted, mut within) = (0.0, 0.0);
            for b in 0..BANDS {
                let w = shares[0][b] + shares[1][b];
                if profile[b] > 0.0 {
                    weighted += w * profile[b];
                    within += w;
                }
            }
            let mean = if within > 0.0 { weighted / within } else { 1.0 };
            for b in 0..BANDS {
                out[b] = measure.level * profile[b] / mean;
            }
            out
        });
        let ethnicity = Ethnicity::draw(world, people, seed, people.years.count - 1);
        Activity { ethnicity, first, count, icbs, band_rates }
    }

    /// The probability of "Not stated" (0) and "Not known" (1) for each [`Source`] in small area
    /// `area`: logit p = logit(base) + ICB effect + 0.3 · x.
    pub fn unknown(&self, world: &World, people: &People, area: usize) -> [[f64; 2]; 3] {
        let shift = self.icbs[world.small_areas[area].icb].unknown + UNKNOWN_DEPRIVATION * people.x[area];
        UNKNOWN.map(|pair| pair.map(|p| logistic(logit(p) + shift)))
    }

    /// The deprivation coefficient of measure `k` for ICB `icb` in activity year `t`.
    fn beta(&self, k: usize, icb: usize, t: usize) -> f64 {
        let centred = t as f64 - (self.count as f64 - 1.0) / 2.0;
        MEASURES[k].deprivation.ln() + self.icbs[icb].trend[k] * centred
    }

    /// The rate per person-year of rate measure `k` for (ICB, activity year, sex, band, group)
    /// at deprivation x.
    #[allow(clippy::too_many_arguments)]
    pub fn rate(&self, k: usize, icb: usize, t: usize, sex: usize, band: usize, group: usize, x: f64) -> f64 {
        let base = self.band_rates[k][band];
        if base <= 0.0 {
            return 0.0;
        }
        let sex_factor = if k == m::SELF_HARM { SELF_HARM_SEX[sex.min(1)] } else { 1.0 };
        base * sex_factor * MEASURES[k].ethnic[group] * (self.beta(k, icb, t) * x + self.icbs[icb].level[k]).exp()
    }

    /// The probability of proportion measure `k` for (ICB, activity year, group) at x.
    pub fn probability(&self, k: usize, icb: usize, t: usize, group: usize, x: f64) -> f64 {
        let measure = &MEASURES[k];
        logistic(logit(measure.level) + self.beta(k, icb, t) * x + self.icbs[icb].level[k] + measure.ethnic[group].ln())
    }

    /// The expected rates of A&E attendances, of the five emergency diagnoses, of other emergency
    /// admissions and of elective admissions.
    fn hospital_rates(
        &self,
        icb: usize,
        t: usize,
        sex: usize,
        band: usize,
        group: usize,
        x: f64,
    ) -> (f64, [f64; 5], f64, f64) {
        let r = |k| self.rate(k, icb, t, sex, band, group, x);
        let specific = DIAGNOSIS_MEASURES.map(r);
        let all = r(m::EMERGENCY);
        let other = (all - specific.iter().sum::<f64>()).max(0.2 * all);
        (r(m::AE), specific, other, r(m::ELECTIVE))
    }

    /// The expected number of hospital events (A&E attendances and emergency and elective
    /// admissions) over every area and activity year, from the expected group of each cell.
    pub fn expected_events(&self, world: &World, people: &People) -> f64 {
        (0..world.small_areas.len())
            .into_par_iter()
            .map(|i| {
                let (icb, x) = (world.small_areas[i].icb, people.x[i]);
                let mut sum = 0.0;
                for t in 0..self.count {
                    for s in 0..2 {
                        for b in 0..BANDS {
                            let pop = people.population(i, self.first + t, s, b) as f64;
                            if pop == 0.0 {
                                continue;
                            }
                            let shares = self.ethnicity.band_shares(i, b);
                            for (g, share) in shares.iter().enumerate() {
                                let (ae, specific, other, elective) = self.hospital_rates(icb, t, s, b, g, x);
                                sum += pop * share * (ae + specific.iter().sum::<f64>() + other + elective);
                            }
                        }
                    }
                }
                sum
            })
            .sum()
    }

    /// Draws one area's activity, adding its counts into `counts` (indexed by [`cell`]) and
    /// passing every event count to `events`.
    fn draw_area(
        &self,
        world: &World,
        people: &People,
        seed: u64,
        area: usize,
        counts: &mut [[u64; C]],
        events: EventSink,
    ) {
        let split = split_area(&self.ethnicity, people, seed, area);
        let mut rng = stream_rng(seed, Stream::Activity, area as u64);
        let icb = world.small_areas[area].icb;
        let x = people.x[area];
        let unknown = self.unknown(world, people, area);
        for t in 0..self.count {
            let year = people.years.year(self.first + t);
            for s in 0..2 {
                for b in 0..BANDS {
                    let groups = split[((self.first + t) * 2 + s) * BANDS + b];
                    for (g, &n) in groups.iter().enumerate() {
                        if n > 0 {
                            let cellfn = |sex: usize, rec: usize| cell(t, sex, b, rec);
                            self.draw_group(&mut rng, &unknown, icb, t, year, s, b, g, n, x, counts, &cellfn, events);
                        }
                    }
                }
            }
        }
    }

    /// Draws the measures of `n` people of group `g` in one cell.
    #[allow(clippy::too_many_arguments)]
    fn draw_group(
        &self,
        rng: &mut SynthRng,
        unknown: &Unknown,
        icb: usize,
        t: usize,
        year: i32,
        s: usize,
        b: usize,
        g: usize,
        n: u64,
        x: f64,
        counts: &mut [[u64; C]],
        at: &dyn Fn(usize, usize) -> usize,
        events: EventSink,
    ) {
        let p = |k: usize| self.probability(k, icb, t, g, x);
        let r = |k: usize| self.rate(k, icb, t, s, b, g, x);
        // GP registration and the registers.
        for (rec, k) in recorded(rng, n, g, unknown[Source::Gp as usize]) {
            let c = &mut counts[at(s, rec)];
            c[col::REGISTERED] += k;
            if b >= 4 {
                let smi = binomial(rng, k, r(m::SMI).min(0.9));
                c[col::SMI] += smi;
                c[col::SMI_CHECKS] += binomial(rng, smi, p(m::SMI_CHECKS));
            }
            if b >= 5 {
                let htn = binomial(rng, k, r(m::HYPERTENSION).min(0.95));
                c[col::HTN] += htn;
                c[col::HTN_TARGET] += binomial(rng, htn, p(m::HTN_TARGET));
            }
            if b >= 14 {
                c[col::FLU_ELIGIBLE] += k;
                c[col::FLU] += binomial(rng, k, p(m::FLU));
            }
            if b <= 4 {
                let diabetes = binomial(rng, k, r(m::CYP_DIABETES).min(0.5));
                c[col::CYP_DIABETES] += diabetes;
                c[col::HBA1C] += binomial(rng, diabetes, p(m::HBA1C));
            }
            if b == 2 {
                // One in five of the 5-9 band is five years old.
                let examined = binomial(rng, k, p(m::EXAMINED) / 5.0);
                c[col::EXAMINED] += examined;
                c[col::DECAY] += binomial(rng, examined, p(m::DECAY));
            }
        }
        let nf = n as f64;
        let admissions = unknown[Source::Admissions as usize];
        // Hospital events.
        let (ae, specific, other, elective) = self.hospital_rates(icb, t, s, b, g, x);
        let attendances = poisson(rng, nf * ae);
        for (rec, k) in recorded(rng, attendances, g, unknown[Source::Ae as usize]) {
            let no_sex = binomial(rng, k, AE_SEX_NOT_KNOWN);
            counts[at(s, rec)][col::AE] += k - no_sex;
            counts[at(2, rec)][col::AE] += no_sex;
            if k > no_sex {
                events(t, s, b, rec, 0, 5, k - no_sex);
            }
            if no_sex > 0 {
                events(t, 2, b, rec, 0, 5, no_sex);
            }
        }
        for (d, rate) in specific.iter().chain(std::iter::once(&other)).enumerate() {
            let admitted = poisson(rng, nf * rate);
            for (rec, k) in recorded(rng, admitted, g, admissions) {
                let c = &mut counts[at(s, rec)];
                c[col::EMERGENCY] += k;
                if d < 5 {
                    c[col::MI + d] += k;
                }
                events(t, s, b, rec, 1, d, k);
            }
        }
        let admitted = poisson(rng, nf * elective);
        for (rec, k) in recorded(rng, admitted, g, admissions) {
            counts[at(s, rec)][col::ELECTIVE] += k;
            events(t, s, b, rec, 2, 5, k);
        }
        // Outpatients, the waiting list, cancers.
        let appointments = poisson(rng, nf * r(m::OUTPATIENT));
        for (rec, k) in recorded(rng, appointments, g, admissions) {
            let c = &mut counts[at(s, rec)];
            c[col::OUTPATIENT] += k;
            c[col::DNA] += binomial(rng, k, p(m::DNA));
        }
        let waiting = binomial(rng, n, r(m::WAITING).min(0.9));
        for (rec, k) in recorded(rng, waiting, g, admissions) {
            let c = &mut counts[at(s, rec)];
            c[col::WAITING] += k;
            let long = binomial(rng, k, p(m::WAIT_18));
            c[col::WAIT_18] += long;
            c[col::WAIT_52] += binomial(rng, long, p(m::WAIT_52));
        }
        let cancers = poisson(rng, nf * r(m::CANCER));
        for (rec, k) in recorded(rng, cancers, g, admissions) {
            let c = &mut counts[at(s, rec)];
            c[col::CANCER] += k;
            let staged = binomial(rng, k, p(m::STAGED));
            c[col::STAGED] += staged;
            c[col::EARLY] += binomial(rng, staged, p(m::EARLY));
        }
        // Births, to mothers aged 15-44.
        if s == 1 && (4..=9).contains(&b) {
            let births = poisson(rng, nf * model::fertility(x, year) * BIRTH_PROFILE[b - 4]);
            for (rec, k) in recorded(rng, births, g, admissions) {
                let c = &mut counts[at(s, rec)];
                c[col::BIRTHS] += k;
                c[col::PRETERM] += binomial(rng, k, p(m::PRETERM));
            }
        }
    }

    /// Rows of `nhs_activity` for one area, and (when given) its `hospital_events`.
    pub fn block(
        &self,
        world: &World,
        people: &People,
        seed: u64,
        area: usize,
        activity: &mut Block,
        mut events: Option<&mut Block>,
    ) {
        let mut counts = vec![[0u64; C]; self.count * 3 * BANDS * RECORDED.len()];
        let mut detail = stream_rng(seed, Stream::Activity, DETAIL_ITEM + area as u64);
        let first_year = people.years.year(self.first);
        let mut sink = |t: usize, sex: usize, band: usize, rec: usize, what: usize, diagnosis: usize, k: u64| {
            if let Some(block) = events.as_deref_mut() {
                push_events(block, &mut detail, area, first_year + t as i32, sex, band, rec, what, diagnosis, k);
            }
        };
        self.draw_area(world, people, seed, area, &mut counts, &mut sink);
        push_counts(activity, area, first_year, &counts);
    }

    /// The column lists of `nhs_activity` and `hospital_events`, with `code` the area code column.
    pub fn schemas(code: &Kind) -> (Vec<ColumnSpec>, Vec<ColumnSpec>) {
        let coded = |values: &[&str]| Kind::Coded(Arc::new(values.iter().map(|s| s.to_string()).collect()));
        let c = |name: &'static str, kind: Kind| ColumnSpec { name, kind };
        let mut activity = vec![
            c("lsoa_code", code.clone()),
            c("year", Kind::Int32),
            c("sex", coded(&SEX_LABELS)),
            c("age_band", coded(&model::BAND_LABELS)),
            c("start_age", Kind::Int32),
            c("ethnic_group", coded(&RECORDED)),
        ];
        activity.extend(COUNT_COLUMNS.iter().map(|&name| c(name, Kind::Int64)));
        let events = vec![
            c("lsoa_code", code.clone()),
            c("year", Kind::Int32),
            c("sex", coded(&SEX_LABELS)),
            c("age", Kind::Int32),
            c("ethnic_group", coded(&CODES)),
            c("activity", coded(&ACTIVITIES)),
            c("diagnosis", coded(&DIAGNOSES)),
        ];
        (activity, events)
    }
}

/// Multiplies every population of `people` by `factor` with *random* rounding (up with
/// probability the fractional part), so that the expected total is kept even when most cells
/// scale below one person (`--activity --events N` at full scale with a small N). Stream
/// [`Stream::Activity`], item `SCALE_ITEM +` area.
pub fn scale_population(people: &mut People, factor: f64, seed: u64) {
    let per_area = people.years.count * 2 * BANDS;
    if per_area == 0 {
        return;
    }
    people.counts.par_chunks_mut(per_area).enumerate().for_each(|(area, cells)| {
        let mut rng = stream_rng(seed, Stream::Activity, SCALE_ITEM + area as u64);
        for c in cells {
            let exact = (*c as f64 * factor).min(u32::MAX as f64);
            let whole = exact.floor();
            *c = (whole + f64::from(u8::from(uniform(&mut rng) < exact - whole))) as u32;
        }
    });
}

/// Index of (activity year, sex of [`SEX_LABELS`], band, recorded group) in an area's counts.
fn cell(t: usize, sex: usize, band: usize, rec: usize) -> usize {
    ((t * 3 + sex) * BANDS + band) * RECORDED.len() + rec
}

/// Splits `n` records of true group `g` into recorded groups: (g, stated), (Not stated), (Not
/// known), with probabilities `unknown` of the two unknown codes; only the non-zero parts.
fn recorded(rng: &mut SynthRng, n: u64, g: usize, unknown: [f64; 2]) -> impl Iterator<Item = (usize, u64)> {
    let not_stated = binomial(rng, n, unknown[0]);
    let not_known = binomial(rng, n - not_stated, unknown[1] / (1.0 - unknown[0]).max(1e-9));
    [(g, n - not_stated - not_known), (NOT_STATED, not_stated), (NOT_KNOWN, not_known)]
        .into_iter()
        .filter(|&(_, k)| k > 0)
}

/// A single year of age in `band` from a uniform deviate (90+: geometric above 90, to 110).
fn age_in_band(band: usize, u: f64) -> i32 {
    let start = START_AGES[band] as i32;
    match band {
        0 => 0,
        1 => 1 + (u * 4.0) as i32,
        19 => 90 + ((-(1.0 - u).ln() / 0.22) as i32).min(20),
        _ => start + (u * 5.0) as i32,
    }
}

/// The NHS ethnic category code (index into [`CODES`]) of a record of recorded group `rec`.
fn code_in_group(rec: usize, u: f64) -> u32 {
    let shares = CODE_SHARES[rec.min(CODE_SHARES.len() - 1)];
    let mut cumulative = 0.0;
    for &(code, share) in shares {
        cumulative += share;
        if u < cumulative {
            return code as u32;
        }
    }
    shares.last().map_or(0, |&(code, _)| code as u32)
}

/// Appends `k` rows of `hospital_events`.
#[allow(clippy::too_many_arguments)]
fn push_events(
    block: &mut Block,
    rng: &mut SynthRng,
    area: usize,
    year: i32,
    sex: usize,
    band: usize,
    rec: usize,
    what: usize,
    diagnosis: usize,
    k: u64,
) {
    let [Values::Coded(code), Values::Int32(years), Values::Coded(sexes), Values::Int32(ages), Values::Coded(ethnic), Values::Coded(activities), Values::Coded(diagnoses)] =
        block.columns.as_mut_slice()
    else {
        return;
    };
    for _ in 0..k {
        code.push(area as u32);
        years.push(year);
        sexes.push(sex as u32);
        ages.push(age_in_band(band, uniform(rng)));
        ethnic.push(code_in_group(rec, uniform(rng)));
        activities.push(what as u32);
        diagnoses.push(diagnosis as u32);
    }
}

/// Appends the `nhs_activity` rows of one area: every (year, sex, band, recorded group) with a
/// count above zero.
fn push_counts(block: &mut Block, area: usize, first_year: i32, counts: &[[u64; C]]) {
    for (index, row) in counts.iter().enumerate() {
        if row.iter().all(|&v| v == 0) {
            continue;
        }
        let rec = index % RECORDED.len();
        let band = (index / RECORDED.len()) % BANDS;
        let sex = (index / (RECORDED.len() * BANDS)) % 3;
        let t = index / (RECORDED.len() * BANDS * 3);
        let (keys, values) = block.columns.split_at_mut(6);
        if let [Values::Coded(code), Values::Int32(year), Values::Coded(sexes), Values::Coded(bands), Values::Int32(start), Values::Coded(ethnic)] =
            keys
        {
            code.push(area as u32);
            year.push(first_year + t as i32);
            sexes.push(sex as u32);
            bands.push(band as u32);
            start.push(START_AGES[band] as i32);
            ethnic.push(rec as u32);
        }
        for (column, &v) in values.iter_mut().zip(row) {
            if let Values::Int64(c) = column {
                c.push(v as i64);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ages_and_codes_fall_in_their_band_and_group() {
        for b in 0..BANDS {
            for u in [0.0, 0.5, 0.999_999] {
                let a = age_in_band(b, u) as u32;
                assert!(a >= START_AGES[b] && (b == BANDS - 1 || a < START_AGES[b + 1]), "{b}: {a}");
            }
        }
        assert_eq!(CODES[code_in_group(0, 0.5) as usize], "A");
        assert_eq!(CODES[code_in_group(0, 0.95) as usize], "C");
        assert_eq!(CODES[code_in_group(NOT_STATED, 0.3) as usize], "Z");
        assert_eq!(CODES[code_in_group(NOT_KNOWN, 0.3) as usize], "99");
        assert_eq!(CODES[code_in_group(1, 0.0) as usize], "H");
        assert_eq!(CODES[code_in_group(2, 0.99) as usize], "P");
    }

    #[test]
    fn cells_are_laid_out_in_row_order() {
        assert_eq!(cell(0, 0, 0, 1), 1);
        assert_eq!(cell(0, 0, 1, 0), RECORDED.len());
        assert_eq!(cell(0, 1, 0, 0), BANDS * RECORDED.len());
        assert_eq!(cell(1, 0, 0, 0), 3 * BANDS * RECORDED.len());
        assert_eq!(COUNT_COLUMNS[col::HBA1C], "cyp_diabetes_hba1c_under_58");
        assert_eq!(COUNT_COLUMNS[col::MI + 4], "emergency_self_harm");
        for (k, measure) in MEASURES.iter().enumerate() {
            if k != m::EMERGENCY && k != m::WAITING {
                assert!(
                    COUNT_COLUMNS.contains(&measure.column) || measure.column == "emergency_admissions",
                    "{}",
                    measure.column
                );
            }
        }
    }
}
