//! Every limit knob is documented: the README's limits table names each `[limits]` key, and
//! each knob says what happens past it.

#[test]
fn the_readme_documents_every_limit_knob() {
    let readme = include_str!("../../../README.md");
    let table = readme
        .split("## Limits")
        .nth(1)
        .and_then(|rest| rest.split("\n## ").next())
        .expect("the README has a Limits section");
    for knob in airlock::KNOBS {
        assert!(
            table.contains(&format!("`limits.{}`", knob.name)),
            "the README's Limits table does not document [limits] {}",
            knob.name
        );
        assert!(!knob.doc.is_empty(), "{} has no description", knob.name);
    }
}

#[test]
fn every_knob_is_found_by_its_name_and_shows_its_default() {
    let limits = airlock::Limits::default();
    for knob in airlock::KNOBS {
        assert_eq!(airlock::knob(knob.name).map(|k| k.name), Some(knob.name));
        assert_eq!(knob.show(&limits), knob.default_text());
    }
    assert!(airlock::knob("bogus").is_none());
}
