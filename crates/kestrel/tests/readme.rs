//! The README's layout table names every workspace member, and nothing that is not one.

use std::path::Path;

/// The quoted paths of the root manifest's `members = [...]` list.
fn members(manifest: &str) -> Vec<String> {
    let start = manifest.find("members = [").expect("a members list");
    let list = &manifest[start..];
    let list = &list[..list.find(']').expect("the list ends")];
    list.split('"').skip(1).step_by(2).map(str::to_owned).collect()
}

/// The first-column paths of the README's layout table (rows `| `path` | ... |`).
fn table_rows(readme: &str) -> Vec<String> {
    let start = readme.find("| crate | owns |").expect("the layout table");
    readme[start..]
        .lines()
        .skip(2)
        .take_while(|l| l.starts_with('|'))
        .filter_map(|l| l.split('`').nth(1).map(str::to_owned))
        .collect()
}

#[test]
fn the_layout_table_names_every_member() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
    let manifest = std::fs::read_to_string(root.join("Cargo.toml")).expect("the root manifest");
    let readme = std::fs::read_to_string(root.join("README.md")).expect("the README");
    let members = members(&manifest);
    let rows = table_rows(&readme);
    assert!(members.len() >= 10, "parsed the members: {members:?}");
    for member in &members {
        assert!(rows.contains(member), "README's layout table has no row for `{member}`");
    }
    for row in &rows {
        // Rows that are not crates (fixture folders) must at least exist.
        assert!(members.contains(row) || root.join(row).exists(), "README names `{row}`, which is not there");
    }
}
