//! The committed JSON Schema is the generated one, and every example manifest validates
//! against it.

use std::path::Path;

fn root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

#[test]
fn the_committed_schema_is_up_to_date() {
    let generated = serde_json::to_string_pretty(&graceflow::manifest::schema::manifest_schema())
        .unwrap()
        + "\n";
    let committed = std::fs::read_to_string(root().join("schemas/manifest.schema.json")).unwrap();
    assert!(
        generated == committed,
        "schemas/manifest.schema.json is stale: run `cargo run -q -- schema > schemas/manifest.schema.json`"
    );
}

#[test]
fn every_example_validates_against_the_schema() {
    let schema = graceflow::manifest::schema::manifest_schema();
    let validator = jsonschema::validator_for(&schema).expect("the schema is valid JSON Schema");
    let mut seen = 0;
    for entry in std::fs::read_dir(root().join("workflows"))
        .unwrap()
        .flatten()
    {
        let path = entry.path();
        if path.extension().and_then(|e| e.to_str()) != Some("yaml") {
            continue;
        }
        seen += 1;
        let text = std::fs::read_to_string(&path).unwrap();
        let doc = graceflow::manifest::node::parse(&text).unwrap().to_json();
        let errors: Vec<String> = validator
            .iter_errors(&doc)
            .map(|e| format!("{} at {}", e, e.instance_path()))
            .collect();
        assert!(errors.is_empty(), "{}: {errors:#?}", path.display());
    }
    assert!(seen >= 3, "expected the shipped examples in workflows/");
}

#[test]
fn the_schema_rejects_what_check_rejects() {
    let schema = graceflow::manifest::schema::manifest_schema();
    let validator = jsonschema::validator_for(&schema).unwrap();
    for bad in [
        "version: 2\nsteps: [{id: a, add_label: {object: T1, label: DQV}}]\n",
        "version: 1\nsteps: [{id: a, add_label: {object: T1, labell: DQV}}]\n",
        "version: 1\nsteps: [{id: a, add_label: {object: T1, label: DQV}, remove_label: {object: T1, label: DQV}}]\n",
        "version: 1\nsteps: [{id: a-b, add_label: {object: T1, label: DQV}}]\n",
        "version: 1\nsteps: [{id: a, create_superevent: {category: test, preferred_event: T1, t_start: x, t_0: 1, t_end: 2}}]\n",
    ] {
        let doc = graceflow::manifest::node::parse(bad).unwrap().to_json();
        assert!(!validator.is_valid(&doc), "{bad}");
    }
    let good = "version: 1\nsteps: [{id: a, create_superevent: {category: test, preferred_event: T1, t_start: '${{ 1 }}', t_0: 1, t_end: 2}}]\n";
    assert!(validator.is_valid(&graceflow::manifest::node::parse(good).unwrap().to_json()));
}
