//! `synth`: a synthetic England for Fairer to run on.
//!
//! Real person-level health data cannot ship with an open project, so Fairer ships a generator
//! of a world that looks and behaves like England: about 33,700 small areas in MSOAs, local
//! authorities, ICBs and regions, with a spatially clustered deprivation score and national
//! deciles; populations, births, deaths by cause and the children-and-young-people and
//! wider-determinant outcomes of the starter catalogue by area, year, sex and life-table band,
//! with a deprivation gradient calibrated to the published English one (a life-expectancy gap
//! between the most and least deprived deciles of about 9.5 years for males and 7.5 for
//! females). It writes aggregate tables (counts and denominators) and, if asked, microdata too
//! (one row per death), as Parquet or CSV, with a manifest; the same seed gives byte-identical
//! files.
//!
//! Everything here is invented except the shape of the country (numbers of areas per region)
//! and the national levels and gradients, whose sources are cited where they are set
//! ([`model`]). Every file says it is synthetic (the `synthetic` and `synthetic_columns`
//! columns of the areas table, and the manifest).
//!
//! Given ONS lookup files ([`lookup`]), the areas are real instead: real LSOA, MSOA, local
//! authority, ICB and region codes and names, and, given the Index of Multiple Deprivation
//! file, the real deprivation score, rank and decile of every small area; people and events stay
//! synthetic, and the manifest and the areas table say which parts are real.
//!
//! Start with [`generate::generate`].

pub mod activity;
pub mod error;
pub mod ethnicity;
pub mod generate;
pub mod geography;
pub mod lookup;
pub mod manifest;
pub mod model;
pub mod nhs_model;
pub mod people;
pub mod rng;
pub mod table;
pub mod world;

pub use error::{Place, Result, SynthError};
pub use generate::{generate, Config, Progress, Silent, Summary, WrittenFile};
pub use table::Format;
pub use world::Scale;
