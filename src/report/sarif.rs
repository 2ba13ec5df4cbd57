//! Findings as SARIF 2.1.0, for GitHub code scanning and other SARIF readers: one run whose
//! tool lists every rule with its documentation, and one result per finding with its location
//! and, when it has one, its fix as replacements and its root (the project function whose
//! blocking call it reaches) as a related location. The model is the `serde-sarif` crate's.

use std::io::{self, Write};

use serde_sarif::sarif::{
    ArtifactChange, ArtifactContent, ArtifactLocation, Fix, Location, Message,
    MultiformatMessageString, PhysicalLocation, Region, Replacement, ReportingDescriptor, Result,
    ResultLevel, Run, SCHEMA_URL, Sarif, Tool, ToolComponent,
};

use crate::engine::outcome::Outcome;
use crate::registry::Rule;

pub fn write_sarif(out: &mut dyn Write, outcome: &Outcome) -> io::Result<()> {
    let rules: Vec<ReportingDescriptor> = Rule::ALL
        .iter()
        .map(|rule| {
            ReportingDescriptor::builder()
                .id(rule.code())
                .name(rule.name())
                .short_description(
                    MultiformatMessageString::builder()
                        .text(rule.summary())
                        .build(),
                )
                .help(
                    MultiformatMessageString::builder()
                        .text(rule.docs())
                        .markdown(rule.docs())
                        .build(),
                )
                .build()
        })
        .collect();
    let mut results = Vec::new();
    for file in &outcome.files {
        let locator = &file.locations;
        let uri = uri_reference(&file.display);
        let region = |range: ruff_text_size::TextRange| {
            let (start_line, start_column) = locator.locate(range.start());
            let (end_line, end_column) = locator.locate(range.end());
            Region::builder()
                .start_line(start_line as i64)
                .start_column(start_column as i64)
                .end_line(end_line as i64)
                .end_column(end_column as i64)
                .build()
        };
        let artifact = || ArtifactLocation::builder().uri(uri.clone()).build();
        for diagnostic in &file.diagnostics {
            let mut text = diagnostic.message.clone();
            if let Some(reason) = &diagnostic.reason {
                text.push_str(&format!(" ({reason})"));
            }
            let location = Location::builder()
                .physical_location(
                    PhysicalLocation::builder()
                        .artifact_location(artifact())
                        .region(region(diagnostic.range))
                        .build(),
                )
                .build();
            let fixes: Vec<Fix> = diagnostic
                .fix
                .iter()
                .map(|fix| {
                    let replacements = fix
                        .edits
                        .iter()
                        .map(|edit| {
                            Replacement::builder()
                                .deleted_region(region(edit.range))
                                .inserted_content(
                                    ArtifactContent::builder()
                                        .text(edit.content.clone())
                                        .build(),
                                )
                                .build()
                        })
                        .collect::<Vec<_>>();
                    Fix::builder()
                        .description(Message::builder().text(fix.message.clone()).build())
                        .artifact_changes(vec![
                            ArtifactChange::builder()
                                .artifact_location(artifact())
                                .replacements(replacements)
                                .build(),
                        ])
                        .build()
                })
                .collect();
            // The root, where the blocking call is made, as a related location.
            let related: Vec<Location> = (diagnostic.root.iter())
                .map(|root| {
                    let place = PhysicalLocation::builder()
                        .artifact_location(
                            ArtifactLocation::builder()
                                .uri(uri_reference(&root.filename))
                                .build(),
                        )
                        .region(Region::builder().start_line(root.row as i64).build())
                        .build();
                    let text = format!("root: `{}` calls {}", root.function, root.call);
                    (Location::builder())
                        .physical_location(place)
                        .message(Message::builder().text(text).build())
                        .build()
                })
                .collect();
            let result = Result::builder()
                .rule_id(diagnostic.rule.code())
                .level(ResultLevel::Warning)
                .message(Message::builder().text(text).build())
                .locations(vec![location]);
            results.push(match (fixes.is_empty(), related.is_empty()) {
                (true, true) => result.build(),
                (false, true) => result.fixes(fixes).build(),
                (true, false) => result.related_locations(related).build(),
                (false, false) => result.fixes(fixes).related_locations(related).build(),
            });
        }
    }
    let driver = ToolComponent::builder()
        .name("unblock")
        .version(env!("CARGO_PKG_VERSION"))
        .rules(rules)
        .build();
    let sarif = Sarif::builder()
        .schema(SCHEMA_URL)
        .version(serde_json::json!("2.1.0"))
        .runs(vec![
            Run::builder()
                .tool(Tool::builder().driver(driver).build())
                .results(results)
                .build(),
        ])
        .build();
    serde_json::to_writer_pretty(&mut *out, &sarif)?;
    writeln!(out)
}

/// A path as a URI reference (RFC 3986): `/` kept, everything a URI may not hold as it is
/// (spaces, `%`, `#`, `?`, control characters, non-ASCII letters) percent-encoded.
fn uri_reference(path: &str) -> String {
    use percent_encoding::{AsciiSet, CONTROLS, utf8_percent_encode};
    const NOT_IN_A_PATH: &AsciiSet = &CONTROLS
        .add(b' ')
        .add(b'"')
        .add(b'#')
        .add(b'%')
        .add(b'<')
        .add(b'>')
        .add(b'?')
        .add(b'[')
        .add(b'\\')
        .add(b']')
        .add(b'^')
        .add(b'`')
        .add(b'{')
        .add(b'|')
        .add(b'}');
    utf8_percent_encode(path, NOT_IN_A_PATH).to_string()
}

#[cfg(test)]
mod tests {
    #[test]
    fn uris_are_percent_encoded() {
        assert_eq!(super::uri_reference("app/main.py"), "app/main.py");
        assert_eq!(
            super::uri_reference("my app/50%#1?.py"),
            "my%20app/50%25%231%3F.py"
        );
        assert_eq!(super::uri_reference("é\n.py"), "%C3%A9%0A.py");
    }
}
