//! Life expectancy: the life-table bands of a group.

use stats::dsr::band_start_age;
use stats::life_expectancy::{life_expectancy, LifeTableRow, LIFE_TABLE_START_AGES};
use stats::ConfidenceLevel;

use super::contract::{required, Accumulator, Refusal};

/// One life-table band of a group.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct LifeExpectancyRow {
    /// The band's start age 0, 1, 5, …, 90 (see [`LifeExpectancy::start_age`] for labels).
    pub start_age: Option<f64>,
    /// Deaths in the band: required.
    pub deaths: Option<f64>,
    /// Population (person-years) of the band: required.
    pub population: Option<f64>,
}

/// The bands of one group for an abridged life table (Chiang II, Silcocks et al. limits;
/// [`stats::life_expectancy`]), life expectancy at every band's start age.
///
/// Checks, row by row: a start age that is one of the 20 bands, deaths and a population
/// (never missing). Groups the reference cannot use (not the 20 bands, negative deaths, a total
/// population of 5,000 or less, …) are not refused: their rows have no value and a note.
#[derive(Clone, Debug)]
pub struct LifeExpectancy<'o> {
    confidence: &'o [ConfidenceLevel],
    ages: Vec<f64>,
    deaths: Vec<f64>,
    population: Vec<f64>,
}

/// What a life-table band should be.
const LIFE_TABLE_BAND: &str = "a life-table band: start age 0, 1, 5, 10, …, 90 (or a label such as 1-4, 90+)";

impl<'o> LifeExpectancy<'o> {
    /// An empty group.
    pub fn new(confidence: &'o [ConfidenceLevel]) -> Self {
        LifeExpectancy { confidence, ages: Vec::new(), deaths: Vec::new(), population: Vec::new() }
    }

    /// The start age of a band given as a start age or a label such as `1-4`, `90+`.
    ///
    /// # Errors
    /// A label that is not one of the 20 life-table bands.
    pub fn start_age(label: Option<&str>) -> Result<f64, Refusal> {
        let label = label.unwrap_or_default();
        band_start_age(label).map(f64::from).filter(|a| LIFE_TABLE_START_AGES.contains(a)).ok_or_else(|| {
            Refusal::Value { input: "start age", expected: LIFE_TABLE_BAND.into(), found: label.to_string() }
        })
    }
}

impl Accumulator for LifeExpectancy<'_> {
    type Row<'a> = LifeExpectancyRow;
    /// One row per band, in order of start age.
    type Output = Vec<LifeTableRow>;

    fn update(&mut self, row: LifeExpectancyRow) -> Result<(), Refusal> {
        let age = row.start_age.filter(|a| LIFE_TABLE_START_AGES.contains(a)).ok_or_else(|| Refusal::Value {
            input: "start age",
            expected: LIFE_TABLE_BAND.into(),
            found: row.start_age.map(|a| a.to_string()).unwrap_or_default(),
        })?;
        let deaths = required(row.deaths, "deaths", "a number of deaths")?;
        let population = required(row.population, "population", "a population")?;
        self.ages.push(age);
        self.deaths.push(deaths);
        self.population.push(population);
        Ok(())
    }

    fn merge(&mut self, other: Self) -> Result<(), Refusal> {
        self.ages.extend(other.ages);
        self.deaths.extend(other.deaths);
        self.population.extend(other.population);
        Ok(())
    }

    fn evaluate(&self) -> Result<Vec<LifeTableRow>, Refusal> {
        life_expectancy(&self.ages, &self.deaths, &self.population, self.confidence).map_err(Refusal::Group)
    }
}
