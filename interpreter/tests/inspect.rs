//! `am inspect` end to end: the text rendering of a sample plan pinned by a
//! snapshot, the JSON rendering's shape, and inspecting a lone plan file or
//! the active bundle.

mod support;

use am_schema::{Exec, Kind, Node, Plan};
use support::{Scratch, assert_exit, link, shell, stderr, stdout};

/// A plan with every feature the text rendering shows: nested targets,
/// dependencies, an optional node, env, cwd and arguments that need quoting.
fn sample() -> Plan {
    let mut notify = shell("notify", "notify-send 'config changed'", false, &[0, 3]);
    if let Kind::Exec(exec) = &mut notify.kind {
        exec.env = vec![("DISPLAY".into(), ":0".into()), ("MESSAGE".into(), "it's done".into())];
        exec.cwd = Some(".config/git".into());
    }
    Plan {
        role: am_schema::Role::Home,
        backup_extension: None,
        home_directory: None,
        nodes: vec![
            link(".config/git/config"),
            link(".profile"),
            link("bin/hello"),
            Node {
                id: "reload-shell".into(),
                declared_by: "home.activation.reloadShell".into(),
                required: true,
                after: vec![1, 2],
                kind: Kind::Exec(Exec {
                    argv: vec!["/bin/sh".into(), "-c".into(), "\"$HOME/bin/hello\" > out".into()],
                    env: vec![],
                    cwd: None,
                    timeout: None,
                    when_changed: vec![],
                }),
            },
            notify,
        ],
        layers: vec![vec![0, 1, 2], vec![3], vec![4]],
    }
}

fn settings(scratch: &Scratch) -> insta::Settings {
    let mut settings = insta::Settings::clone_current();
    settings.add_filter(&regex_escape(&scratch.root.display().to_string()), "[TMP]");
    settings.set_omit_expression(true);
    settings
}

fn regex_escape(text: &str) -> String {
    text.chars()
        .flat_map(|c| {
            let special = "\\.+*?()|[]{}^$#&-~".contains(c);
            special.then_some('\\').into_iter().chain(std::iter::once(c))
        })
        .collect()
}

#[test]
fn text_shows_every_layer_with_aligned_nodes() {
    let scratch = Scratch::new("inspect-text");
    let bundle = scratch.bundle("bundle", &sample());
    let output = scratch.am(&["inspect", &bundle.display().to_string()]);
    assert_exit(&output, 0, "am inspect");
    settings(&scratch).bind(|| insta::assert_snapshot!("sample", stdout(&output)));
}

#[test]
fn a_lone_plan_file_can_be_inspected() {
    let scratch = Scratch::new("inspect-file");
    let bundle = scratch.bundle("bundle", &sample());
    let plan_file = bundle.join("plan.am");
    let output = scratch.am(&["inspect", &plan_file.display().to_string()]);
    assert_exit(&output, 0, "am inspect plan.am");
    let first_line = stdout(&output).lines().next().map(str::to_string);
    assert_eq!(first_line, Some(format!("plan {}", plan_file.display())));
}

#[test]
fn without_a_path_the_active_bundle_is_inspected() {
    let scratch = Scratch::new("inspect-active");
    let output = scratch.am(&["inspect"]);
    assert_exit(&output, 1, "am inspect with nothing active");
    assert!(stderr(&output).contains("am inspect ./result"), "{}", stderr(&output));

    let bundle = scratch.bundle(
        "bundle",
        &Plan {
            role: am_schema::Role::Home,
            backup_extension: None,
            home_directory: None,
            nodes: vec![link(".a")],
            layers: vec![vec![0]],
        },
    );
    assert_exit(&scratch.am(&["activate", &bundle.display().to_string()]), 0, "activation");
    let output = scratch.am(&["inspect"]);
    assert_exit(&output, 0, "am inspect");
    assert!(stdout(&output).starts_with(&format!("bundle {}\n", bundle.display())));
}

#[test]
fn json_lists_layers_and_nodes_in_plan_order() {
    let scratch = Scratch::new("inspect-json");
    let bundle = scratch.bundle("bundle", &sample());
    let output = scratch.am(&["inspect", "--json", &bundle.display().to_string()]);
    assert_exit(&output, 0, "am inspect --json");
    let json = stdout(&output);
    let expected_start = format!(
        "{{\"formatVersion\":1,\"bundle\":\"{}\",\"nodeCount\":5,\"layers\":\
         [[\"file:.config/git/config\",\"file:.profile\",\"file:bin/hello\"],\
         [\"reload-shell\"],[\"notify\"]],\"nodes\":[{{\"id\":\"file:.config/git/config\"",
        bundle.display()
    );
    assert!(json.starts_with(&expected_start), "{json}");
    assert!(json.ends_with("}]}\n"), "{json}");
    assert!(
        json.contains(
            "{\"id\":\"notify\",\"kind\":\"exec\",\"layer\":2,\"declaredBy\":\"am.nodes.notify\",\
             \"required\":false,\"after\":[\"file:.config/git/config\",\"reload-shell\"],\
             \"argv\":[\"sh\",\"-c\",\"notify-send 'config changed'\"],\
             \"env\":{\"DISPLAY\":\":0\",\"MESSAGE\":\"it's done\"},\"cwd\":\".config/git\",\
             \"timeout\":null,\"whenChanged\":[]}"
        ),
        "{json}"
    );
    assert_eq!(json.lines().count(), 1);
}
