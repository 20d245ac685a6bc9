//! The objects the API answers with, described once: the OpenAPI document's schemas and the
//! tests' check of every key come from here.

use serde_json::{json, Value};

/// A property's type in JSON Schema (OpenAPI 3.1): a type name, or a type with `null`.
#[derive(Clone, Copy, Debug)]
pub enum Ty {
    /// A string.
    Text,
    /// A string or null.
    OptText,
    /// An integer.
    Int,
    /// An integer or null.
    OptInt,
    /// A number or null.
    OptNum,
    /// true or false.
    Bool,
    /// An object.
    Object,
    /// An object or null.
    OptObject,
    /// An array.
    Array,
    /// Any JSON value.
    Any,
}

impl Ty {
    /// The JSON Schema of the type.
    pub fn schema(self) -> Value {
        match self {
            Ty::Text => json!({ "type": "string" }),
            Ty::OptText => json!({ "type": ["string", "null"] }),
            Ty::Int => json!({ "type": "integer" }),
            Ty::OptInt => json!({ "type": ["integer", "null"] }),
            Ty::OptNum => json!({ "type": ["number", "null"] }),
            Ty::Bool => json!({ "type": "boolean" }),
            Ty::Object => json!({ "type": "object" }),
            Ty::OptObject => json!({ "type": ["object", "null"] }),
            Ty::Array => json!({ "type": "array" }),
            Ty::Any => json!({}),
        }
    }

    /// Whether the property may be null (and so is not listed as required).
    fn nullable(self) -> bool {
        matches!(self, Ty::OptText | Ty::OptInt | Ty::OptNum | Ty::OptObject | Ty::Any)
    }
}

/// An object of the API: its name in the document and its properties.
#[derive(Debug)]
pub struct Schema {
    /// Its name under `components/schemas`.
    pub name: &'static str,
    /// What it is.
    pub description: &'static str,
    /// Its properties in order, with their types.
    pub properties: fn() -> Vec<(&'static str, Ty)>,
}

impl Schema {
    /// The JSON Schema of the object: every property listed, the ones that cannot be null
    /// required, no others allowed.
    pub fn json(&self) -> Value {
        let properties = (self.properties)();
        let required: Vec<&str> = properties.iter().filter(|(_, t)| !t.nullable()).map(|(n, _)| *n).collect();
        let properties: serde_json::Map<String, Value> =
            properties.into_iter().map(|(n, t)| (n.to_string(), t.schema())).collect();
        json!({
            "type": "object",
            "description": self.description,
            "properties": properties,
            "required": required,
            "additionalProperties": false,
        })
    }
}

/// A data release.
pub static RELEASE: Schema = Schema {
    name: "Release",
    description: "A data release: one import of a results table. The newest (highest id) is what is shown.",
    properties: || {
        use Ty::*;
        vec![
            ("id", Int),
            ("name", Text),
            ("released_on", Text),
            ("imported_at", Text),
            ("catalogue_id", OptText),
            ("catalogue_version", OptText),
            ("content_hash", Text),
            ("manifest", Any),
            ("row_count", Int),
            ("imported_by", Text),
        ]
    },
};

/// An area.
pub static AREA: Schema = Schema {
    name: "Area",
    description: "An area of the geography, as the newest release names it.",
    properties: || {
        use Ty::*;
        vec![("code", Text), ("name", Text), ("area_type", Text), ("parent_code", OptText), ("parent_name", OptText)]
    },
};

/// An indicator with its metadata.
pub static INDICATOR: Schema = Schema {
    name: "Indicator",
    description: "An indicator of the catalogue, with what the catalogue says of it.",
    properties: || {
        use Ty::*;
        vec![
            ("id", Text),
            ("name", Text),
            ("framework", OptText),
            ("domain", OptText),
            ("measure", OptText),
            ("polarity", OptText),
            ("definition", OptText),
            ("framework_name", OptText),
            ("domain_name", OptText),
            ("numerator", OptText),
            ("denominator", OptText),
            ("source", OptText),
            ("method", OptText),
            ("multiplier", OptNum),
            ("value_type", OptText),
        ]
    },
};

/// A value row: the leading fields, then the value table's columns ([`store::VALUE_COLUMNS`]),
/// named as in the results table.
pub static VALUE: Schema = Schema {
    name: "Value",
    description: "One value of a release, its fields named as in the results table (value, lower_95, upper_95, …); \
                  category_type and category are null for the whole area.",
    properties: || {
        use Ty::*;
        let mut properties = vec![
            ("indicator_id", Text),
            ("indicator_name", Text),
            ("area_code", Text),
            ("area_name", Text),
            ("area_type", Text),
            ("sex", Text),
            ("age", Text),
            ("category_type", OptText),
            ("category", OptText),
            ("time_period", Text),
            ("time_period_sortable", OptInt),
        ];
        properties
            .extend(store::VALUE_COLUMNS.iter().map(|(name, number)| (*name, if *number { OptNum } else { OptText })));
        properties
    },
};

/// A place.
pub static PLACE: Schema = Schema {
    name: "Place",
    description: "A place whose programme is monitored.",
    properties: || {
        use Ty::*;
        vec![
            ("id", Int),
            ("slug", Text),
            ("name", Text),
            ("kind", Text),
            ("area_code", Text),
            ("covers", Array),
            ("benchmark_code", Text),
            ("stage", Text),
            ("commissioned_on", OptText),
            ("report_published_on", OptText),
            ("implementing_from", OptText),
            ("evaluated_on", OptText),
            ("synthetic", Bool),
            ("description", OptText),
        ]
    },
};

/// A place's monitoring.
pub static PLACE_VIEW: Schema = Schema {
    name: "PlaceView",
    description: "Everything about a place: partners, strategies, recommendations with their status and history, \
                  targets assessed on the newest release, progress updates and evaluations.",
    properties: || {
        use Ty::*;
        vec![
            ("place", Object),
            ("release", OptObject),
            ("partners", Array),
            ("strategies", Array),
            ("recommendations", Array),
            ("targets", Array),
            ("progress", Array),
            ("evaluations", Array),
            ("rule", Text),
        ]
    },
};

/// A target with its assessment.
pub static TARGET_VIEW: Schema = Schema {
    name: "TargetView",
    description: "A target as written, with its baseline, the value aimed at, the trajectory between them, the \
                  latest value and the assessment (on track, off track, not assessable) in words.",
    properties: || {
        use Ty::*;
        vec![
            ("target", Object),
            ("indicator_name", OptText),
            ("baseline", OptNum),
            ("target_value", OptNum),
            ("trajectory", OptObject),
            ("latest", OptObject),
            ("assessment", Any),
            ("assessment_text", Text),
        ]
    },
};

/// Every schema, for the document's components.
pub static ALL: [&Schema; 13] = [
    &RELEASE,
    &AREA,
    &INDICATOR,
    &VALUE,
    &PLACE,
    &PLACE_VIEW,
    &TARGET_VIEW,
    // The scorecards (scorecard-web).
    &super::scorecards::SCORECARD_SUMMARY,
    &super::scorecards::SCORECARD,
    &super::scorecards::INDICATOR_CARD,
    &super::scorecards::FUNDING,
    &super::scorecards::READINESS,
    &super::scorecards::CYP_SCORES,
];
