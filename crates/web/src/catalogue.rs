//! What a catalogue says of its indicators, in words, as the store keeps it with them at import
//! ([`store::ReleaseImport::describe_indicators`]) and the indicator pages and the API show it.

use std::collections::BTreeMap;

use engine::compute::catalogue::{Catalogue, IndicatorSource, Measure, SourceSpec, ValueType};
use store::IndicatorMetadata;

/// Each indicator of `catalogue`, by id: its framework's and domain's names, its numerator and
/// denominator (or the published table it is read from), the catalogue's source, the method
/// that computes its values and limits, its multiplier and what its values are.
pub fn indicator_metadata(catalogue: &Catalogue) -> BTreeMap<String, IndicatorMetadata> {
    catalogue
        .indicators
        .iter()
        .map(|indicator| {
            let framework = catalogue.frameworks.iter().find(|f| Some(&f.id) == indicator.framework.as_ref());
            let position =
                framework.and_then(|f| f.domains.iter().position(|d| Some(&d.id) == indicator.domain.as_ref()));
            let domain = framework.zip(position).map(|(f, p)| f.domains[p].name.clone());
            let (numerator, denominator) = match &indicator.source {
                IndicatorSource::Counts { numerator, denominator } => {
                    (Some(describe_source(numerator)), Some(describe_source(denominator)))
                }
                IndicatorSource::Published(published) => (
                    Some(format!(
                        "as published in the table \"{}\"{}",
                        published.table,
                        describe_filters(&published.filters)
                    )),
                    None,
                ),
            };
            let metadata = IndicatorMetadata {
                framework_name: framework.map(|f| f.name.clone()),
                domain_name: domain,
                numerator,
                denominator,
                source: catalogue.header.source.clone(),
                method: Some(method(indicator.measure, indicator.value_type, indicator.multiplier)),
                multiplier: Some(indicator.multiplier),
                value_type: Some(
                    match indicator.value_type {
                        ValueType::Proportion => "proportion",
                        ValueType::Rate => "rate",
                        ValueType::Dsr => "dsr",
                        ValueType::Other => "other",
                    }
                    .to_string(),
                ),
                domain_position: position.and_then(|p| u32::try_from(p).ok()),
            };
            (indicator.id.clone(), metadata)
        })
        .collect()
}

/// "deaths: the sum of deaths where cause is cardiovascular" / "births: rows counted".
fn describe_source(source: &SourceSpec) -> String {
    let what = match &source.value {
        Some(column) => format!("the sum of {column}"),
        None => "the rows counted".to_string(),
    };
    format!("{}: {what}{}", source.table, describe_filters(&source.filters))
}

/// " where cause is cardiovascular and age is 0 or 1", or nothing without filters.
fn describe_filters(filters: &BTreeMap<String, Vec<String>>) -> String {
    if filters.is_empty() {
        return String::new();
    }
    let parts: Vec<String> = filters
        .iter()
        .map(|(column, values)| match values.as_slice() {
            [one] => format!("{column} is {one}"),
            many => format!("{column} is one of {}", many.join(", ")),
        })
        .collect();
    format!(" where {}", parts.join(" and "))
}

/// The method in words, with its reference.
fn method(measure: Measure, value_type: ValueType, multiplier: f64) -> String {
    let per = crate::format::number(Some(multiplier), 0);
    match measure {
        Measure::Proportion => {
            format!("Proportion: numerator / denominator × {per}; 95% and 99.8% limits by the Wilson score method.")
        }
        Measure::CrudeRate => format!(
            "Crude rate per {per}: events / population × {per}; limits by the exact Poisson method below 10 events, \
             Byar's approximation from 10."
        ),
        Measure::Dsr => format!(
            "Directly standardised rate per {per} on the 2013 European Standard Population; limits by Dobson's method."
        ),
        Measure::LifeExpectancy => "Life expectancy from an abridged life table (Chiang II) with the limits of \
                                    Silcocks et al., as ONS and OHID compute it."
            .to_string(),
        Measure::Published => format!(
            "Published values passed through unchanged ({}); Fairer adds the comparison with the benchmark, quintiles, \
             trends and inequality summaries.",
            match value_type {
                ValueType::Proportion => "proportions",
                ValueType::Rate => "rates",
                ValueType::Dsr => "directly standardised rates",
                ValueType::Other => "values",
            }
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_starter_catalogue_is_described() {
        let catalogue = Catalogue::parse(engine::compute::catalogue::STARTER_CATALOGUE, "marmot.toml").unwrap();
        let metadata = indicator_metadata(&catalogue);
        assert_eq!(metadata.len(), catalogue.indicators.len());
        for (id, m) in &metadata {
            assert_eq!(m.framework_name.as_deref(), Some("Marmot principles"), "{id}");
            assert!(m.domain_name.is_some() && m.numerator.is_some() && m.denominator.is_some(), "{id}");
            assert!(m.source.as_deref().unwrap().contains("Marmot"), "{id}");
        }
        let le = &metadata["le_birth"];
        assert_eq!(le.domain_name.as_deref(), Some("Strengthen the role and impact of ill health prevention"));
        assert!(le.method.as_deref().unwrap().starts_with("Life expectancy"), "{:?}", le.method);
    }
}
