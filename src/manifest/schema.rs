//! The manifest's JSON Schema, generated from the step kinds' input types (schemars) and the
//! manifest's own shape. `graceflow schema` prints it; editors use it through the
//! `# yaml-language-server: $schema=…` comment at the top of a manifest.

use serde_json::{Map, Value as Json, json};

use super::steps::KINDS;

/// Any value may instead be an expression.
fn or_expression(schema: &Json) -> Json {
    let is_string = schema.get("type").and_then(Json::as_str) == Some("string")
        || schema
            .get("type")
            .and_then(Json::as_array)
            .is_some_and(|t| t.iter().any(|x| x == "string") && t.len() <= 2);
    let mut s = schema.clone();
    if let Some(items) = s.get_mut("items") {
        *items = or_expression(items);
    }
    if is_string {
        s
    } else {
        json!({ "anyOf": [s, { "$ref": "#/$defs/expression" }] })
    }
}

fn kind_inputs(schema: &Json) -> Json {
    let mut s = schema.clone();
    if let Some(o) = s.as_object_mut() {
        o.remove("$schema");
        o.remove("title");
        if let Some(Json::Object(props)) = o.get_mut("properties") {
            for v in props.values_mut() {
                *v = or_expression(v);
            }
        }
    }
    s
}

/// The schema, as JSON.
pub fn manifest_schema() -> Json {
    let mut defs = Map::new();
    defs.insert(
        "expression".into(),
        json!({
            "description": "A ${{ … }} expression (references: vars.*, steps.<id>.<output>, item, env.*; functions: gps_now, gps, glob, basename, sha256, format, default).",
            "type": "string",
            "pattern": "\\$\\{\\{[\\s\\S]*\\}\\}"
        }),
    );
    defs.insert(
        "duration".into(),
        json!({
            "description": "Seconds, or a number with a unit: 90s, 12.5s, 250ms, 15m, 2h, 1d.",
            "anyOf": [{ "type": "integer", "minimum": 1 }, { "type": "string", "pattern": "^\\s*([0-9]+ms|[0-9]+\\.[0-9]{1,9}s?|[0-9]+[smhd]?)\\s*$" }]
        }),
    );
    defs.insert(
        "retry".into(),
        json!({
            "description": "Attempts in all, or a policy.",
            "anyOf": [
                { "type": "integer", "minimum": 1, "maximum": 100 },
                {
                    "type": "object",
                    "additionalProperties": false,
                    "properties": {
                        "attempts": { "type": "integer", "minimum": 1, "maximum": 100 },
                        "backoff": { "$ref": "#/$defs/duration" },
                        "max_delay": { "$ref": "#/$defs/duration" },
                        "deadline": { "$ref": "#/$defs/duration" }
                    }
                }
            ]
        }),
    );
    let common = json!({
        "id": { "type": "string", "pattern": "^[A-Za-z_][A-Za-z0-9_]*$", "description": "The step's id: its outputs are steps.<id>.<output>." },
        "needs": { "description": "Steps that must finish first.", "anyOf": [{ "type": "string" }, { "type": "array", "items": { "type": "string" } }] },
        "if": { "description": "Run only if this is true.", "anyOf": [{ "type": "boolean" }, { "$ref": "#/$defs/expression" }] },
        "for_each": { "description": "Run once per item (`item` in expressions).", "anyOf": [{ "type": "array" }, { "$ref": "#/$defs/expression" }] },
        "continue_on_error": { "type": "boolean", "description": "A failure does not fail the run." },
        "always": { "type": "boolean", "description": "Run even when a dependency failed." },
        "timeout": { "$ref": "#/$defs/duration" },
        "retry": { "$ref": "#/$defs/retry" },
        "delay": { "description": "Start no earlier than this long after the run started.", "$ref": "#/$defs/duration" },
        "after": {
            "description": "Start no earlier than this long after another step finished (it becomes a dependency).",
            "type": "object",
            "additionalProperties": false,
            "required": ["step"],
            "properties": { "step": { "type": "string" }, "delay": { "$ref": "#/$defs/duration" } }
        }
    });
    let mut variants = Vec::new();
    for k in KINDS {
        let inputs = kind_inputs(&(k.inputs)().to_value());
        defs.insert(k.name.into(), inputs);
        let mut props = common.as_object().cloned().unwrap_or_default();
        props.insert(
            k.name.into(),
            json!({ "$ref": format!("#/$defs/{}", k.name), "description": k.doc }),
        );
        variants.push(json!({
            "type": "object",
            "title": k.name,
            "additionalProperties": false,
            "required": ["id", k.name],
            "properties": props,
        }));
    }
    defs.insert("step".into(), json!({ "oneOf": variants }));
    json!({
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "$id": "https://graceflow.invalid/schemas/manifest.schema.json",
        "title": "graceflow manifest",
        "description": "A graceflow workflow: steps that create and annotate GraceDB events and superevents.",
        "type": "object",
        "additionalProperties": false,
        "required": ["version", "steps"],
        "properties": {
            "version": { "const": 1 },
            "name": { "type": "string" },
            "server": { "type": "string", "description": "sandbox, playground, test, production, or an API URL." },
            "allow_production": { "type": "boolean" },
            "vars": { "type": "object", "propertyNames": { "pattern": "^[A-Za-z_][A-Za-z0-9_]*$" } },
            "defaults": {
                "type": "object",
                "additionalProperties": false,
                "properties": { "timeout": { "$ref": "#/$defs/duration" }, "retry": { "$ref": "#/$defs/retry" } }
            },
            "steps": { "type": "array", "minItems": 1, "items": { "$ref": "#/$defs/step" } }
        },
        "$defs": defs,
    })
}
