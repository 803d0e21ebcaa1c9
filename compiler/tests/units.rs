//! The `systemd-units` node: what it lowers to, and every problem with its
//! units rendered as a user sees it (snapshots), including the ones the Nix
//! library's `systemd.user` options cannot produce but raw nodes can.

use std::collections::BTreeMap;

use am_compiler::{SourceKind, compile, render};
use am_schema::{Kind, SwitchMethod, SystemdUnits, Unit};
use serde_json::{Value, json};

const UNIT_DIR: &str = ".config/systemd/user";

/// A unit as the Nix library writes it, declared by `systemd.user.services.<stem>`.
fn unit(name: &str, extra: Value) -> Value {
    let stem = name.rsplit_once('.').map_or(name, |(stem, _)| stem);
    let mut unit = json!({
        "name": name,
        "target": format!("{UNIT_DIR}/{name}"),
        "switchMethod": "restart",
        "wantedBy": ["default.target"],
        "declaredBy": format!("systemd.user.services.\"{stem}\""),
        "definedIn": ["/home/me/home.nix"],
    });
    if let (Value::Object(unit), Value::Object(extra)) = (&mut unit, extra) {
        unit.extend(extra);
    }
    unit
}

/// The input: a link node for each unit's target (unless `linked` is false)
/// and one `systemd-units` node after them.
fn input(units: &[Value], linked: bool) -> String {
    let mut nodes = Vec::new();
    let mut after = Vec::new();
    for unit in units.iter().filter(|_| linked) {
        let Some(target) = unit.get("target").and_then(Value::as_str) else { continue };
        let id = format!("unit:{target}");
        nodes.push(json!({ "id": id, "kind": "link", "target": target, "text": "[Unit]\n" }));
        after.push(id);
    }
    nodes.push(json!({
        "id": "systemd:user",
        "kind": "systemd-units",
        "declaredBy": "systemd.user",
        "after": after,
        "units": units,
    }));
    json!({ "version": 1, "nodes": nodes, "scripts": {} }).to_string()
}

fn report(text: &str) -> String {
    match compile(text, "/nix/store", &BTreeMap::<String, SourceKind>::new()) {
        Ok(_) => panic!("the input compiled, but an error was expected:\n{text}"),
        Err(errors) => render::report(&errors),
    }
}

macro_rules! units_error {
    ($text:expr) => {{
        let text: String = $text;
        insta::with_settings!({ description => text.clone(), omit_expression => true }, {
            insta::assert_snapshot!(report(&text));
        });
    }};
}

#[test]
fn units_lower_sorted_with_their_switch_methods() {
    let units = [
        unit(
            "web.service",
            json!({ "switchMethod": "stop-start", "wantedBy": ["b.target", "a.target", "b.target"] }),
        ),
        unit("clean.timer", json!({ "wantedBy": ["timers.target"] })),
        unit("worker@.service", json!({ "wantedBy": [], "switchMethod": null })),
    ];
    let compiled =
        compile(&input(&units, true), "/nix/store", &BTreeMap::<String, SourceKind>::new())
            .unwrap_or_else(|errors| panic!("{}", render::report(&errors)));
    let node = compiled.plan.nodes.iter().find(|node| node.id == "systemd:user");
    let unit = |name: &str, switch_method, wanted_by: &[&str]| Unit {
        name: name.into(),
        target: format!("{UNIT_DIR}/{name}"),
        switch_method,
        wanted_by: wanted_by.iter().map(|s| s.to_string()).collect(),
    };
    let expected = SystemdUnits {
        units: vec![
            unit("clean.timer", SwitchMethod::Restart, &["timers.target"]),
            unit("web.service", SwitchMethod::StopStart, &["a.target", "b.target"]),
            unit("worker@.service", SwitchMethod::Restart, &[]),
        ],
    };
    assert_eq!(node.map(|node| &node.kind), Some(&Kind::SystemdUnits(expected)));
    // The units node runs after every unit file.
    assert_eq!(node.map(|node| node.after.len()), Some(3));
}

#[test]
fn bad_unit_names() {
    let units = [
        unit("foo bar.service", json!({})),
        unit("@x.service", json!({ "wantedBy": [] })),
        unit("hello.servce", json!({ "wantedBy": [] })),
        unit("worker@.service", json!({})),
    ];
    units_error!(input(&units, true));
}

#[test]
fn bad_wanted_by_entries() {
    let units = [unit(
        "hello.service",
        json!({ "wantedBy": ["default", "timers.targte", "getty@.target"] }),
    )];
    units_error!(input(&units, true));
}

#[test]
fn unknown_switch_method() {
    units_error!(input(&[unit("hello.service", json!({ "switchMethod": "bounce" }))], true));
}

#[test]
fn unit_without_a_link_for_its_file() {
    units_error!(input(&[unit("hello.service", json!({}))], false));
}

#[test]
fn malformed_units() {
    let units = [
        json!("hello.service"),
        json!({ "target": ".config/systemd/user/x.service", "wantedBy": "default.target", "restart": true }),
    ];
    units_error!(input(&units, true));
}

#[test]
fn units_named_twice_and_two_units_nodes() {
    let mut input: Value = serde_json::from_str(&input(
        &[unit("a.service", json!({})), unit("a.service", json!({ "wantedBy": [] }))],
        true,
    ))
    .expect("the input is JSON");
    if let Some(Value::Array(nodes)) = input.get_mut("nodes") {
        nodes.push(json!({ "id": "more-units", "kind": "systemd-units", "units": [] }));
    }
    units_error!(input.to_string());
}

#[test]
fn bad_script_name() {
    units_error!(
        json!({ "version": 1, "nodes": [], "scripts": { "a/b": "#!/bin/sh\n" } }).to_string()
    );
}
