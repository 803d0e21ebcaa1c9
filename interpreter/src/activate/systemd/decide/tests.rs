//! The switching rules, one test per rule.

use super::*;

fn unit(name: &str, switch_method: SwitchMethod, wanted_by: &[&str]) -> Unit {
    Unit {
        name: name.into(),
        target: format!(".config/systemd/user/{name}"),
        switch_method,
        wanted_by: wanted_by.iter().map(|s| s.to_string()).collect(),
    }
}

fn change(verb: Verb, unit: &str, why: Why) -> UnitChange {
    UnitChange::Unit { verb, unit: unit.into(), why }
}

#[test]
fn the_bundle_path_is_abstracted_and_only_reload_triggers_reload() {
    let old = normalized("ExecStart=/nix/store/aaa-home/scripts/x-start\n", "/nix/store/aaa-home");
    let new = normalized("ExecStart=/nix/store/bbb-home/scripts/x-start\n", "/nix/store/bbb-home");
    assert_eq!(compare(Some(&old), &new), Comparison::Same);
    assert_eq!(compare(None, &new), Comparison::New);
    let a = "[Unit]\nX-Reload-Triggers=1\n[Service]\nExecStart=/bin/a\n";
    let b = "[Unit]\nX-Reload-Triggers=2\n[Service]\nExecStart=/bin/a\n";
    let c = "[Unit]\nX-Reload-Triggers=2\n[Service]\nExecStart=/bin/c\n";
    assert_eq!(compare(Some(a), b), Comparison::ReloadTriggers);
    assert_eq!(compare(Some(a), c), Comparison::Changed);
}

#[test]
fn removed_and_stop_start_units_stop_before_the_reload_if_they_run() {
    let (web, db) = (
        unit("web.service", SwitchMethod::StopStart, &[]),
        unit("db.service", SwitchMethod::Restart, &[]),
    );
    let units = [
        Compare { unit: &web, compared: Comparison::Changed },
        Compare { unit: &db, compared: Comparison::Changed },
    ];
    let removed = ["gone.service", "idle.service"];
    let active = BTreeMap::from([
        ("web.service", true),
        ("db.service", true),
        ("gone.service", true),
        ("idle.service", false),
    ]);
    assert_eq!(
        to_query(&units, &removed),
        ["db.service", "gone.service", "idle.service", "web.service"]
    );
    assert_eq!(
        stops(&units, &removed, &active),
        [
            change(Verb::Stop, "gone.service", Why::Removed),
            change(Verb::Stop, "web.service", Why::Changed)
        ]
    );
}

#[test]
fn running_changed_units_switch_by_their_method() {
    let units = [
        unit("a.service", SwitchMethod::Restart, &[]),
        unit("b.service", SwitchMethod::Reload, &[]),
        unit("c.service", SwitchMethod::StopStart, &[]),
        unit("d.service", SwitchMethod::KeepOld, &[]),
        unit("e.service", SwitchMethod::Restart, &[]),
        unit("f.service", SwitchMethod::Restart, &[]),
    ];
    let compared = [
        Comparison::Changed,
        Comparison::Changed,
        Comparison::Changed,
        Comparison::Changed,
        Comparison::ReloadTriggers,
        Comparison::Same,
    ];
    let units: Vec<Compare> =
        units.iter().zip(compared).map(|(unit, compared)| Compare { unit, compared }).collect();
    let active: BTreeMap<&str, bool> = units.iter().map(|c| (c.unit.name.as_str(), true)).collect();
    assert!(targets_to_query(&units, &active).is_empty());
    assert_eq!(
        starts(&units, &active, &BTreeSet::new()),
        [
            change(Verb::Restart, "a.service", Why::Changed),
            change(Verb::Reload, "b.service", Why::Changed),
            change(Verb::Start, "c.service", Why::Changed),
            change(Verb::Reload, "e.service", Why::ReloadTriggers),
        ]
    );
}

#[test]
fn units_that_do_not_run_start_only_when_an_active_target_wants_them() {
    let units = [
        unit("new.service", SwitchMethod::Restart, &["default.target"]),
        unit("lazy.service", SwitchMethod::Restart, &["graphical-session.target"]),
        unit("alone.service", SwitchMethod::Restart, &[]),
        unit("stopped.service", SwitchMethod::KeepOld, &["default.target"]),
        unit("same.service", SwitchMethod::Restart, &["default.target"]),
    ];
    let compared =
        [Comparison::New, Comparison::New, Comparison::New, Comparison::Changed, Comparison::Same];
    let units: Vec<Compare> =
        units.iter().zip(compared).map(|(unit, compared)| Compare { unit, compared }).collect();
    let active = BTreeMap::from([("stopped.service", false)]);
    assert_eq!(targets_to_query(&units, &active), ["default.target", "graphical-session.target"]);
    let targets = BTreeSet::from(["default.target"]);
    assert_eq!(
        starts(&units, &active, &targets),
        [
            change(Verb::Start, "new.service", Why::New),
            change(Verb::Start, "stopped.service", Why::NotRunning)
        ]
    );
}
