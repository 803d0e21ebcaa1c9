//! The throwaway machine the system tests use (`tests/src/machine.rs`):
//! its systemd boots as PID 1, starts units of its own `/etc`, and leaves
//! nothing behind in the host's cgroups or `/etc`.

use am_tests::machine::Machine;

#[test]
fn a_machine_boots_runs_a_unit_and_goes() {
    let Some(machine) = Machine::boot("smoke", &[]) else { return };
    let unit =
        "[Service]\nType=oneshot\nRemainAfterExit=yes\nExecStart=/bin/sh -c 'echo hi > /tmp/ran'\n";
    std::fs::write(machine.path("/etc/systemd/system/smoke.service"), unit).expect("a unit");
    assert!(machine.systemctl(&["daemon-reload"]).status.success());
    assert!(machine.systemctl(&["start", "smoke.service"]).status.success());
    assert!(machine.is_active("smoke.service"));
    assert!(machine.path("/tmp/ran").exists(), "the unit ran elsewhere");
    assert!(!std::path::Path::new("/etc/systemd/system/smoke.service").exists());
    let cgroups: Vec<_> = machine_cgroups();
    assert_eq!(cgroups.len(), 2, "{cgroups:?}");
    drop(machine);
    assert!(machine_cgroups().is_empty(), "the machine's cgroups stayed");
}

/// The host's cgroup folders of machines of this test process.
fn machine_cgroups() -> Vec<std::path::PathBuf> {
    let mine = format!("machine-smoke-{}", std::process::id());
    ["systemd", "unified"]
        .iter()
        .flat_map(|h| {
            std::fs::read_dir(format!("/sys/fs/cgroup/{h}")).into_iter().flatten().flatten()
        })
        .map(|entry| entry.path())
        .filter(|path| path.file_name().is_some_and(|n| n.to_string_lossy().contains(&mine)))
        .collect()
}
