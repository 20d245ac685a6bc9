//! The OpenAPI 3.1 document of the API, built from the route table ([`super::ROUTES`]) and
//! the schemas ([`super::schema`]) once, on first request.

use std::sync::OnceLock;

use serde_json::{json, Map, Value};

use super::schema::{self, Schema};
use super::{In, Shape, ROUTES};

/// The document.
pub fn document() -> &'static Value {
    static DOCUMENT: OnceLock<Value> = OnceLock::new();
    DOCUMENT.get_or_init(build)
}

fn reference(schema: &Schema) -> Value {
    json!({ "$ref": format!("#/components/schemas/{}", schema.name) })
}

/// The JSON Schema of a response shape.
fn response_schema(shape: &Shape) -> Value {
    match shape {
        Shape::Items(s) => json!({
            "type": "object",
            "properties": { "items": { "type": "array", "items": reference(s) } },
            "required": ["items"],
            "additionalProperties": false,
        }),
        Shape::Object(s) => reference(s),
        Shape::Page(s) => json!({
            "type": "object",
            "properties": {
                "release": {
                    "type": ["object", "null"],
                    "description": "The release the values are from (null before the first import).",
                    "properties": { "id": { "type": "integer" }, "name": { "type": "string" } },
                },
                "items": { "type": "array", "items": reference(s) },
                "limit": { "type": "integer" },
                "offset": { "type": "integer" },
                "next": { "type": ["string", "null"], "description": "The URL of the next page; null on the last." },
            },
            "required": ["release", "items", "limit", "offset", "next"],
            "additionalProperties": false,
        }),
        Shape::Targets(s) => json!({
            "type": "object",
            "properties": {
                "place": {
                    "type": "object",
                    "properties": { "slug": { "type": "string" }, "name": { "type": "string" } },
                },
                "rule": { "type": "string", "description": "The rule the assessments follow." },
                "items": { "type": "array", "items": reference(s) },
            },
            "required": ["place", "rule", "items"],
            "additionalProperties": false,
        }),
        Shape::File(_) => json!({ "type": "string", "format": "binary" }),
        Shape::OpenApi => json!({ "type": "object", "description": "An OpenAPI 3.1 document." }),
    }
}

fn build() -> Value {
    let error = json!({ "$ref": "#/components/responses/Error" });
    let mut paths = Map::new();
    for route in ROUTES {
        let parameters: Vec<Value> = route
            .params
            .iter()
            .map(|p| {
                let mut schema = json!({ "type": p.kind });
                if !p.values.is_empty() {
                    schema["enum"] = json!(p.values);
                }
                json!({
                    "name": p.name,
                    "in": if p.location == In::Path { "path" } else { "query" },
                    "required": p.location == In::Path,
                    "description": p.description,
                    "schema": schema,
                })
            })
            .collect();
        let media = match route.response {
            Shape::File(media) => media,
            _ => "application/json",
        };
        let mut responses = json!({
            "200": {
                "description": route.summary,
                "content": { media: { "schema": response_schema(&route.response) } },
            },
            "400": error.clone(),
        });
        if route.params.iter().any(|p| p.location == In::Path) {
            responses["404"] = error.clone();
        }
        if !matches!(route.response, Shape::File(_) | Shape::OpenApi)
            && !route.path.starts_with("/api/v1/places")
            && !super::scorecards::UNTAGGED.contains(&route.path)
        {
            responses["304"] = json!({ "description": "Not modified: the client's copy (If-None-Match) is current." });
        }
        paths.insert(
            route.path.to_string(),
            json!({ "get": {
                "operationId": route.operation,
                "summary": route.summary,
                "parameters": parameters,
                "responses": responses,
                "x-example": route.example,
            }}),
        );
    }
    let schemas: Map<String, Value> = schema::ALL.iter().map(|s| (s.name.to_string(), s.json())).collect();
    json!({
        "openapi": "3.1.0",
        "info": {
            "title": "Fairer",
            "version": env!("CARGO_PKG_VERSION"),
            "description": "Health-equity indicators, their inequalities and the monitoring of places, from Fairer's \
                            store. Values are named as in the results table. Every response is JSON unless a file is \
                            asked for; errors are {\"error\":{\"status\",\"message\"}}, the message naming the \
                            parameter at fault.",
        },
        "paths": paths,
        "components": {
            "schemas": schemas,
            "responses": {
                "Error": {
                    "description": "A bad parameter (400) or an unknown id (404), named in the message.",
                    "content": { "application/json": { "schema": {
                        "type": "object",
                        "properties": { "error": {
                            "type": "object",
                            "properties": { "status": { "type": "integer" }, "message": { "type": "string" } },
                            "required": ["status", "message"],
                        }},
                        "required": ["error"],
                    }}},
                },
            },
        },
    })
}
