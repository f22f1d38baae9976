//! `--check-host`'s report, as text for people and as JSON (`--format json`; the shape
//! is documented in caprun(1) and is the same data as the text).
//!
//! The JSON is written here by hand: a few strings, booleans, numbers and arrays do not
//! need a serialisation dependency in the binary.

use std::fmt::Write as _;

use super::host::{Check, Feature, HostReport, LandlockInfo, PolicyVerdict, Setting, Verdict};

/// The version of the JSON report's shape (`format_version`): raised when a member is
/// removed or changes type or meaning, not when one is added (caprun(1)).
pub const JSON_FORMAT_VERSION: u32 = 1;

/// `s` as a JSON string: quoted, with `"`, `\` and the control characters escaped.
fn string(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c if (c as u32) < 0x20 || c == '\u{7f}' => {
                let _ = write!(out, "\\u{:04x}", c as u32);
            }
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

/// A JSON array of strings.
fn strings<S: AsRef<str>>(items: &[S]) -> String {
    let items: Vec<String> = items.iter().map(|s| string(s.as_ref())).collect();
    format!("[{}]", items.join(", "))
}

/// `value` as a JSON string, or `null`.
fn nullable(value: Option<&str>) -> String {
    value.map_or_else(|| "null".to_owned(), string)
}

/// A verdict's JSON members (without braces).
fn check_members(c: &Check) -> String {
    let (differences, reason): (&[String], Option<&str>) = match &c.verdict {
        Verdict::RunsAsWritten => (&[], None),
        Verdict::RunsWithDifferences(notes) => (notes, None),
        Verdict::Refused(why) => (&[], Some(why)),
    };
    format!(
        "\"verdict\": {}, \"built\": {}, \"differences\": {}, \"reason\": {}",
        string(c.verdict.name()),
        c.built,
        strings(differences),
        nullable(reason)
    )
}

/// A JSON array of `items` (JSON values), one a line at the report's second level.
fn lines(items: impl Iterator<Item = String>) -> String {
    let items: Vec<String> = items.map(|i| format!("    {i}")).collect();
    format!("[\n{}\n  ]", items.join(",\n"))
}

/// A feature as a JSON object.
fn feature_json(f: &Feature) -> String {
    format!(
        "{{\"id\": {}, \"name\": {}, \"available\": {}, \"how\": {}, \"detail\": {}, \"used_by\": {}, \"used_by_options\": {}, \"used_for\": {}}}",
        string(f.id),
        string(f.name),
        f.available,
        string(f.how.name()),
        string(&f.detail),
        strings(&f.used_by.policies),
        strings(&f.used_by.options),
        nullable(f.used_by.purpose)
    )
}

/// What Landlock offers as a JSON object.
fn landlock_json(l: &LandlockInfo) -> String {
    format!(
        "{{\"abi\": {}, \"linux\": {}, \"fs_rights\": {}, \"net_rights\": {}, \"scopes\": {}}}",
        l.abi,
        nullable(l.linux),
        strings(&l.fs_rights),
        strings(&l.net_rights),
        strings(&l.scopes)
    )
}

/// A policy's verdicts as a JSON object.
fn policy_json(p: &PolicyVerdict) -> String {
    let with_net = p.with_net.as_ref().map_or_else(
        || "null".to_owned(),
        |c| format!("{{{}}}", check_members(c)),
    );
    format!(
        "{{\"name\": {}, {}, \"with_net\": {with_net}}}",
        string(&p.policy),
        check_members(&p.verdict)
    )
}

/// What the text says when AppArmor restricts user namespaces (the setting is 1).
const APPARMOR_NOTE: &str = "AppArmor restricts user namespaces to programs under a profile that allows them (callers other than root): caprun needs its profile loaded, `sudo apparmor_parser -r /etc/apparmor.d/caprun` (installed by the Debian package; README, Install)";

impl HostReport {
    /// Whether `kernel.apparmor_restrict_unprivileged_userns` is 1 here.
    fn apparmor_restricts_userns(&self) -> bool {
        self.userns_settings.iter().any(|s| {
            s.name == "kernel.apparmor_restrict_unprivileged_userns"
                && s.value.as_deref() == Some("1")
        })
    }

    /// The report as one JSON object (see caprun(1), `--check-host`), newline-terminated.
    pub fn json(&self) -> String {
        let mut o = String::new();
        o.push_str("{\n");
        let _ = writeln!(o, "  \"format_version\": {JSON_FORMAT_VERSION},");
        let _ = writeln!(o, "  \"version\": {},", string(self.version));
        let _ = writeln!(o, "  \"kernel\": {},", string(&self.kernel));
        let _ = writeln!(o, "  \"euid\": {},", self.euid);
        let _ = writeln!(o, "  \"root\": {},", self.root());
        let _ = writeln!(
            o,
            "  \"initial_user_namespace\": {},",
            self.initial_user_namespace
        );
        let _ = writeln!(o, "  \"options\": {},", strings(&self.options));
        let features = self.features.iter().map(feature_json);
        let _ = writeln!(o, "  \"features\": {},", lines(features));
        let settings = self.userns_settings.iter().map(|s| self.setting_json(s));
        let _ = writeln!(o, "  \"user_namespace_settings\": {},", lines(settings));
        let _ = writeln!(o, "  \"landlock\": {},", landlock_json(&self.landlock));
        let policies = self.policies.iter().map(policy_json);
        let _ = writeln!(o, "  \"policies\": {},", lines(policies));
        let _ = writeln!(o, "  \"all_run_as_written\": {}", self.all_run_as_written());
        o.push_str("}\n");
        o
    }

    /// A setting that can block user namespaces as a JSON object, with whether it
    /// applies to caprun's user.
    fn setting_json(&self, s: &Setting) -> String {
        format!(
            "{{\"name\": {}, \"value\": {}, \"applies\": {}}}",
            string(s.name),
            nullable(s.value.as_deref()),
            !self.root()
        )
    }

    /// The report as text for people: who runs it, the features, the verdicts and what
    /// they add up to.
    pub fn text(&self) -> String {
        let mut o = String::new();
        let _ = writeln!(
            o,
            "caprun {} on Linux {}, running {}",
            self.version,
            self.kernel,
            self.who()
        );
        self.features_text(&mut o);
        self.policies_text(&mut o);
        self.summary_text(&mut o);
        o
    }

    /// Who caprun runs as, and in which user namespace.
    fn who(&self) -> String {
        match (self.root(), self.initial_user_namespace) {
            (true, true) => "as root".to_owned(),
            (true, false) => "as root of a user namespace that is not the host's".to_owned(),
            (false, true) => format!("as uid {} (not root)", self.euid),
            (false, false) => format!(
                "as uid {} (not root) in a user namespace that is not the host's",
                self.euid
            ),
        }
    }

    /// The features, one line each, the user namespace's settings and Landlock's rights
    /// under theirs.
    fn features_text(&self, o: &mut String) {
        o.push_str("\nWhat this machine supports (probed: tried in a child process or asked of the kernel; inferred: follows from a setting or version):\n");
        for f in &self.features {
            let _ = writeln!(
                o,
                "  {}  {}: {} ({}; used by {})",
                if f.available { "yes" } else { "no " },
                f.name,
                f.detail,
                f.how.name(),
                f.used_by.phrase()
            );
            match f.id {
                "user_namespaces" => self.userns_settings_text(o),
                "landlock" if self.landlock.abi >= 1 => self.landlock_rights_text(o),
                _ => {}
            }
        }
    }

    /// The settings that can block user namespaces, and AppArmor's restriction's fix.
    fn userns_settings_text(&self, o: &mut String) {
        let settings: Vec<String> = self
            .userns_settings
            .iter()
            .map(|s| {
                format!(
                    "{} = {}",
                    s.name,
                    s.value.as_deref().unwrap_or("(not on this kernel)")
                )
            })
            .collect();
        let applies = if self.root() {
            "none of them applies to root"
        } else {
            "they restrict callers other than root"
        };
        let _ = writeln!(
            o,
            "       settings: {} ({applies}; inferred)",
            settings.join(", ")
        );
        if self.apparmor_restricts_userns() {
            let _ = writeln!(o, "       {APPARMOR_NOTE}");
        }
    }

    /// Landlock's rights and scopes at its ABI.
    fn landlock_rights_text(&self, o: &mut String) {
        let l = &self.landlock;
        let list = |v: &[String]| {
            if v.is_empty() {
                "none at this ABI".to_owned()
            } else {
                v.join(", ")
            }
        };
        let _ = writeln!(
            o,
            "       file-system rights: {} (inferred from the ABI)",
            list(&l.fs_rights)
        );
        let _ = writeln!(
            o,
            "       network rights: {} (inferred from the ABI)",
            list(&l.net_rights)
        );
        let _ = writeln!(
            o,
            "       scopes: {} (inferred from the ABI)",
            list(&l.scopes)
        );
    }

    /// The verdicts, in a column after the policies' names; the verdict with `--net`
    /// only where it differs.
    fn policies_text(&self, o: &mut String) {
        let options = if self.options.is_empty() {
            String::new()
        } else {
            format!(", for launches with {}", self.options.join(" "))
        };
        let _ = writeln!(
            o,
            "\nPolicies{options} (each sandbox built and entered in a child process, up to where the program would be executed, unless a launch would refuse it before):"
        );
        let width = self
            .policies
            .iter()
            .map(|p| p.policy.chars().count())
            .max()
            .unwrap_or(0);
        let indent = " ".repeat(width + 4);
        for p in &self.policies {
            let _ = write!(o, "  {:width$}  ", p.policy);
            check_text(o, &p.verdict, &indent);
            if let Some(net) = &p.with_net {
                if net.verdict != p.verdict.verdict {
                    let _ = write!(o, "{indent}with --net: ");
                    check_text(o, net, &indent);
                }
            }
        }
    }

    /// Whether every policy runs as written (or which do not), and the exit status.
    fn summary_text(&self, o: &mut String) {
        let failing: Vec<&str> = self
            .policies
            .iter()
            .filter(|p| p.verdict.verdict != Verdict::RunsAsWritten)
            .map(|p| p.policy.as_str())
            .collect();
        if failing.is_empty() {
            let _ = writeln!(
                o,
                "\nEvery policy checked runs as written (exit status {}).",
                self.exit_code()
            );
        } else {
            let _ = writeln!(
                o,
                "\nNot every policy checked runs as written: {} (exit status {}).",
                failing.join(", "),
                self.exit_code()
            );
        }
    }
}

/// One verdict, from the current column on, and its continuation lines at `indent`.
fn check_text(o: &mut String, c: &Check, indent: &str) {
    match &c.verdict {
        Verdict::RunsAsWritten => o.push_str("runs as written\n"),
        Verdict::RunsWithDifferences(notes) => {
            o.push_str("runs with differences:\n");
            for n in notes {
                let _ = writeln!(o, "{indent}  {n}");
            }
        }
        Verdict::Refused(why) => {
            let _ = writeln!(o, "refused: {why}");
        }
    }
}

#[cfg(test)]
mod tests {
    use super::super::host::{How, UsedBy};
    use super::*;

    fn report() -> HostReport {
        let odd = "quote \" backslash \\ newline \n tab \t bell \u{7} del \u{7f} é ∀ 🦀";
        HostReport {
            version: "0.1.0",
            kernel: odd.into(),
            euid: 1000,
            initial_user_namespace: true,
            options: vec!["--limit tasks=unlimited".into()],
            features: vec![Feature {
                id: "user_namespaces",
                name: "user namespaces",
                available: false,
                how: How::Probed,
                detail: odd.into(),
                used_by: UsedBy {
                    policies: vec!["strict".into(), "default".into()],
                    options: Vec::new(),
                    purpose: Some("a \"purpose\""),
                },
            }],
            userns_settings: vec![
                Setting {
                    name: "user.max_user_namespaces",
                    value: Some("0".into()),
                },
                Setting {
                    name: "kernel.unprivileged_userns_clone",
                    value: None,
                },
            ],
            landlock: LandlockInfo {
                abi: 5,
                linux: Some("6.10"),
                fs_rights: vec!["execute".into()],
                net_rights: vec![],
                scopes: vec![],
            },
            policies: vec![
                PolicyVerdict {
                    policy: "strict".into(),
                    verdict: Check {
                        verdict: Verdict::Refused(odd.into()),
                        built: false,
                    },
                    with_net: Some(Check {
                        verdict: Verdict::Refused(odd.into()),
                        built: false,
                    }),
                },
                PolicyVerdict {
                    policy: "p \"x\".yaml".into(),
                    verdict: Check {
                        verdict: Verdict::RunsWithDifferences(vec![odd.into(), "b".into()]),
                        built: true,
                    },
                    with_net: Some(Check {
                        verdict: Verdict::RunsAsWritten,
                        built: true,
                    }),
                },
            ],
        }
    }

    /// A report with what `report` lacks: root of a user namespace not the host's, no
    /// options, AppArmor's restriction, Landlock's rights, a feature used by options,
    /// verdicts that all run as written (one with the same verdict with `--net`).
    fn other_report() -> HostReport {
        let feature = |id, name, available, how, detail: &str, used_by| Feature {
            id,
            name,
            available,
            how,
            detail: detail.into(),
            used_by,
        };
        let builtins = |names: &[&str]| UsedBy {
            policies: names.iter().map(|&n| n.to_owned()).collect(),
            ..UsedBy::default()
        };
        HostReport {
            version: "9.8.7",
            kernel: "6.18.0".into(),
            euid: 0,
            initial_user_namespace: false,
            options: Vec::new(),
            features: vec![
                feature(
                    "user_namespaces",
                    "user namespaces",
                    true,
                    How::Probed,
                    "made",
                    builtins(&["strict"]),
                ),
                feature(
                    "mount_namespace",
                    "mount namespace",
                    false,
                    How::Inferred,
                    "not tried",
                    UsedBy::default(),
                ),
                feature(
                    "landlock",
                    "Landlock",
                    true,
                    How::Probed,
                    "ABI 6",
                    builtins(&["strict", "none", "devtools"]),
                ),
                feature(
                    "seccomp_user_notification",
                    "seccomp user notification",
                    true,
                    How::Probed,
                    "answered",
                    UsedBy {
                        options: vec!["--explain-denials", "--learn"],
                        purpose: Some("a purpose"),
                        ..UsedBy::default()
                    },
                ),
            ],
            userns_settings: vec![
                Setting {
                    name: "user.max_user_namespaces",
                    value: Some("15".into()),
                },
                Setting {
                    name: "kernel.apparmor_restrict_unprivileged_userns",
                    value: Some("1".into()),
                },
            ],
            landlock: LandlockInfo {
                abi: 6,
                linux: None,
                fs_rights: vec!["execute".into(), "refer".into()],
                net_rights: vec![],
                scopes: vec!["signal".into()],
            },
            policies: vec![
                PolicyVerdict {
                    policy: "none".into(),
                    verdict: Check {
                        verdict: Verdict::RunsAsWritten,
                        built: true,
                    },
                    with_net: None,
                },
                PolicyVerdict {
                    policy: "a-long-name".into(),
                    verdict: Check {
                        verdict: Verdict::RunsAsWritten,
                        built: true,
                    },
                    with_net: Some(Check {
                        verdict: Verdict::RunsAsWritten,
                        built: true,
                    }),
                },
            ],
        }
    }

    /// The whole text and JSON of fixed reports, byte for byte, as written before
    /// `text` and `json` were split into their parts (`testdata/`; a deliberate change
    /// of the output rewrites them with `UPDATE_CHECK_HOST_REPORTS=1 cargo test --lib
    /// whole_reports`).
    #[test]
    fn whole_reports_are_unchanged() {
        let update = std::env::var_os("UPDATE_CHECK_HOST_REPORTS").is_some();
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("src/launch/testdata");
        let cases = [
            ("check_host_report.txt", report().text()),
            ("check_host_report.json", report().json()),
            ("check_host_other_report.txt", other_report().text()),
            ("check_host_other_report.json", other_report().json()),
        ];
        for (file, rendered) in cases {
            let path = dir.join(file);
            if update {
                std::fs::create_dir_all(&dir).unwrap();
                std::fs::write(&path, &rendered).unwrap();
                continue;
            }
            let expected = std::fs::read_to_string(&path)
                .unwrap_or_else(|e| panic!("{}: {e}", path.display()));
            assert!(
                rendered == expected,
                "{file} differs:\n--- expected\n{expected}\n--- rendered\n{rendered}"
            );
        }
    }

    /// Whatever the strings hold, the JSON parses back to them.
    #[test]
    fn the_json_parses_back_to_the_report() {
        let r = report();
        let v: serde_json::Value = serde_json::from_str(&r.json()).unwrap();
        assert_eq!(v["kernel"], r.kernel.as_str());
        assert_eq!(v["euid"], 1000);
        assert_eq!(v["root"], false);
        assert_eq!(v["initial_user_namespace"], true);
        assert_eq!(v["options"][0], "--limit tasks=unlimited");
        assert_eq!(v["features"][0]["detail"], r.kernel.as_str());
        assert_eq!(v["features"][0]["available"], false);
        assert_eq!(v["features"][0]["how"], "probed");
        assert_eq!(v["format_version"], JSON_FORMAT_VERSION);
        assert_eq!(
            v["features"][0]["used_by"],
            serde_json::json!(["strict", "default"])
        );
        assert_eq!(v["features"][0]["used_by_options"], serde_json::json!([]));
        assert_eq!(v["features"][0]["used_for"], "a \"purpose\"");
        assert_eq!(v["user_namespace_settings"][0]["value"], "0");
        assert!(v["user_namespace_settings"][1]["value"].is_null());
        assert_eq!(v["user_namespace_settings"][1]["applies"], true);
        assert_eq!(v["landlock"]["abi"], 5);
        assert_eq!(v["landlock"]["scopes"], serde_json::json!([]));
        let p = &v["policies"];
        assert_eq!(p[0]["verdict"], "refused");
        assert_eq!(p[0]["reason"], r.kernel.as_str());
        assert_eq!(p[0]["built"], false);
        assert_eq!(p[0]["with_net"]["verdict"], "refused");
        assert_eq!(p[1]["name"], "p \"x\".yaml");
        assert_eq!(p[1]["verdict"], "runs_with_differences");
        assert_eq!(p[1]["differences"][0], r.kernel.as_str());
        assert!(p[1]["reason"].is_null());
        assert_eq!(p[1]["with_net"]["verdict"], "runs_as_written");
        assert_eq!(v["all_run_as_written"], false);
        assert_eq!(r.exit_code(), 1);
    }

    #[test]
    fn the_text_names_apparmor_s_restriction_and_its_fix() {
        let mut r = report();
        assert!(!r.text().contains("apparmor_parser"));
        r.userns_settings.push(Setting {
            name: "kernel.apparmor_restrict_unprivileged_userns",
            value: Some("1".into()),
        });
        let text = r.text();
        assert!(
            text.contains(&format!("\n       {APPARMOR_NOTE}\n")),
            "{text}"
        );
        r.userns_settings.last_mut().unwrap().value = Some("0".into());
        assert!(!r.text().contains("apparmor_parser"));
    }

    #[test]
    fn the_text_names_each_verdict_and_the_exit_status() {
        let text = report().text();
        assert!(text.contains("running as uid 1000 (not root)"), "{text}");
        assert!(
            text.contains("for launches with --limit tasks=unlimited"),
            "{text}"
        );
        assert!(text.contains("\n  strict      refused: quote"), "{text}");
        assert!(
            text.contains("  p \"x\".yaml  runs with differences:\n"),
            "{text}"
        );
        assert!(
            text.contains("\n                b\n              with --net: runs as written\n"),
            "{text}"
        );
        // The same verdict with --net is not repeated.
        assert_eq!(text.matches("with --net").count(), 1, "{text}");
        assert!(
            text.contains(
                "Not every policy checked runs as written: strict, p \"x\".yaml (exit status 1)."
            ),
            "{text}"
        );
    }
}
