//! `jq` as agents use it; expected outputs are jq 1.7's.

use crate::cmd::Spawn;
use crate::exec::{LocalBoxFuture, block_on, join_all};
use crate::io::{Output, pipe};
use crate::system::{MemSystem, System};
use crate::testing::{Ran, UtilitySpawn, run, run_on};

use super::feed::{Feed, Next};

fn jq(args: &[&str], stdin: &str) -> Ran {
    run("jq", args, stdin)
}

fn out(args: &[&str], stdin: &str) -> String {
    let r = jq(args, stdin);
    assert_eq!((r.status, r.stderr.as_str()), (0, ""), "jq {args:?}");
    r.stdout
}

#[test]
fn pretty_prints_with_two_spaces_and_keeps_key_order() {
    assert_eq!(
        out(
            &["."],
            r#"{"b":1,"a":[1,"x"],"c":{},"d":[],"e":{"z":null,"y":true}}"#
        ),
        "{\n  \"b\": 1,\n  \"a\": [\n    1,\n    \"x\"\n  ],\n  \"c\": {},\n  \"d\": [],\n  \"e\": {\n    \"z\": null,\n    \"y\": true\n  }\n}\n"
    );
}

#[test]
fn layout_options() {
    let doc = r#"{"b":[1],"a":2}"#;
    assert_eq!(out(&["-c", "."], doc), "{\"b\":[1],\"a\":2}\n");
    assert_eq!(
        out(&["--tab", "."], doc),
        "{\n\t\"b\": [\n\t\t1\n\t],\n\t\"a\": 2\n}\n"
    );
    assert_eq!(
        out(&["--indent", "1", "."], doc),
        "{\n \"b\": [\n  1\n ],\n \"a\": 2\n}\n"
    );
    assert_eq!(out(&["--indent", "0", "."], doc), "{\"b\":[1],\"a\":2}\n");
    assert_eq!(
        out(&["-S", "-c", "."], r#"{"b":{"d":1,"c":2},"a":0}"#),
        "{\"a\":0,\"b\":{\"c\":2,\"d\":1}}\n"
    );
    assert_eq!(out(&["-c", "keys"], r#"{"b":1,"a":2}"#), "[\"a\",\"b\"]\n");
    assert_eq!(
        out(&["-c", "keys_unsorted"], r#"{"b":1,"a":2}"#),
        "[\"b\",\"a\"]\n"
    );
}

#[test]
fn raw_join_and_ascii_output() {
    assert_eq!(
        out(&["-r", ".[]"], r#"["a\tb","é",1,[2]]"#),
        "a\tb\né\n1\n[\n  2\n]\n"
    );
    assert_eq!(out(&["-j", ".[]"], r#"["a",1,"b"]"#), "a1b");
    assert_eq!(out(&["--raw-output0", ".[]"], r#"["a","b"]"#), "a\0b\0");
    assert_eq!(
        out(&["-a", "-c", "."], r#"["é😀"]"#),
        "[\"\\u00e9\\ud83d\\ude00\"]\n"
    );
    assert_eq!(out(&["-r", "-a", "."], r#""é""#), "\"\\u00e9\"\n");
    assert_eq!(
        out(&["-c", "."], "\"\\u0001\\u007f/\""),
        "\"\\u0001\\u007f/\"\n"
    );
}

#[test]
fn a_stream_of_values_from_stdin_and_files() {
    assert_eq!(
        out(&["-c", "."], "1 2\n[3]{\"a\":4}\"s\"\n"),
        "1\n2\n[3]\n{\"a\":4}\n\"s\"\n"
    );
    let sys = MemSystem::default();
    sys.write_file("/workspace/a.json", b"{\"n\":1}\n{\"n\":2}", false)
        .unwrap();
    sys.write_file("/workspace/b.json", b"[3]", false).unwrap();
    let r = run_on(&sys, "jq", &["-c", ".", "a.json", "b.json"], "ignored");
    assert_eq!(r.stdout, "{\"n\":1}\n{\"n\":2}\n[3]\n");
    let r = run_on(
        &sys,
        "jq",
        &["-c", "input_filename", "a.json", "b.json"],
        "",
    );
    assert_eq!(r.stdout, "\"a.json\"\n\"a.json\"\n\"b.json\"\n");
    assert_eq!(out(&["input_filename"], "1"), "null\n");
}

#[test]
fn numbers_print_like_jq() {
    assert_eq!(
        out(
            &["-c", "."],
            "[1.0,1.50,1e1000,-1e1000,100000000000000000000,3,1e2,0.00001]"
        ),
        "[1.0,1.50,1.7976931348623157e+308,-1.7976931348623157e+308,100000000000000000000,3,100,0.00001]\n"
    );
    assert_eq!(
        out(
            &[
                "-c",
                "[3/1, 10/4, 0.1+0.2, 1e17*1, 2.5e-7*1, 1/3, nan, infinite]"
            ],
            "null"
        ),
        "[3,2.5,0.30000000000000004,1e+17,2.5e-07,0.3333333333333333,null,1.7976931348623157e+308]\n"
    );
    assert_eq!(
        out(
            &[
                "-c",
                r#"["\(6/2)", (6/2|tostring), (6/2|tojson), ([1.0, 4/2]|tojson), "\(.)x"]"#
            ],
            "1.5"
        ),
        "[\"3\",\"3\",\"3\",\"[1.0,2]\",\"1.5x\"]\n"
    );
    assert_eq!(
        out(&["-r", r#"@text "\(4/2)", @json "\(4/2)""#], "null"),
        "2\n2\n"
    );
}

#[test]
fn slurp_null_input_and_raw_input() {
    assert_eq!(out(&["-c", "-s", "."], "1 [2]\n3"), "[1,[2],3]\n");
    assert_eq!(out(&["-c", "-s", "."], ""), "[]\n");
    assert_eq!(out(&["-n", "1+1"], "not json"), "2\n");
    assert_eq!(
        out(&["-c", "-R", "."], "a\nb c\n\nlast"),
        "\"a\"\n\"b c\"\n\"\"\n\"last\"\n"
    );
    assert_eq!(out(&["-R", "-s", "."], "a\nb\n"), "\"a\\nb\\n\"\n");
    assert_eq!(out(&["-c", "-n", "[inputs]"], "1 2 3"), "[1,2,3]\n");
    assert_eq!(out(&["-c", "-n", "input, input"], "1 2 3"), "1\n2\n");
    assert_eq!(out(&["-c", "[., input]"], "1 2 3 4"), "[1,2]\n[3,4]\n");
    assert_eq!(out(&["-c", "-nR", "[inputs]"], "x\ny\n"), "[\"x\",\"y\"]\n");
    assert_eq!(out(&["-n", "[inputs]|length"], ""), "0\n");
    let r = jq(&["-n", "input"], "");
    assert_eq!(
        (r.status, r.stderr.as_str()),
        (5, "jq: error (at <unknown>): No more inputs\n")
    );
}

#[test]
fn variables_from_the_command_line() {
    let sys = MemSystem::default();
    sys.write_file("/workspace/v.json", b"1 {\"a\":2}", false)
        .unwrap();
    sys.write_file("/workspace/t.txt", b"hello\n", false)
        .unwrap();
    let r = run_on(
        &sys,
        "jq",
        &[
            "-n",
            "-c",
            "[$a, $b, $s, $r, $ARGS.named.a]",
            "--arg",
            "a",
            "x",
            "--argjson",
            "b",
            "{\"k\":[1]}",
            "--slurpfile",
            "s",
            "v.json",
            "--rawfile",
            "r",
            "t.txt",
        ],
        "",
    );
    assert_eq!(
        r.stdout,
        "[\"x\",{\"k\":[1]},[1,{\"a\":2}],\"hello\\n\",\"x\"]\n"
    );
    assert_eq!(
        out(&["-n", "-c", "$ARGS.positional", "--args", "a", "b"], ""),
        "[\"a\",\"b\"]\n"
    );
    assert_eq!(
        out(
            &["-n", "-c", "$ARGS.positional", "--jsonargs", "1", "{}"],
            ""
        ),
        "[1,{}]\n"
    );
    assert_eq!(
        out(&["-n", "$ENV|type, (env|type)"], ""),
        "\"object\"\n\"object\"\n"
    );
    let r = jq(&["-n", "$x", "--argjson", "x", "{bad"], "");
    assert_eq!(r.status, 2);
    assert!(
        r.stderr
            .starts_with("jq: Invalid JSON text passed to --argjson"),
        "{}",
        r.stderr
    );
}

#[test]
fn program_from_a_file() {
    let sys = MemSystem::default();
    sys.write_file("/workspace/p.jq", b"# doubles\n.a * 2\n", false)
        .unwrap();
    sys.write_file("/workspace/in.json", b"{\"a\":21}", false)
        .unwrap();
    assert_eq!(
        run_on(&sys, "jq", &["-f", "p.jq", "in.json"], "").stdout,
        "42\n"
    );
    assert_eq!(
        run_on(&sys, "jq", &["--from-file", "p.jq"], "{\"a\":1}").stdout,
        "2\n"
    );
}

#[test]
fn exit_status_with_e() {
    assert_eq!(jq(&["-e", "."], "1").status, 0);
    assert_eq!(jq(&["-e", "."], "false").status, 1);
    assert_eq!(jq(&["-e", "."], "1 null").status, 1);
    assert_eq!(jq(&["-e", "empty"], "1").status, 4);
    assert_eq!(jq(&["empty"], "1").status, 0);
    assert_eq!(jq(&["-e", ".a"], "5").status, 5);
}

#[test]
fn runtime_errors_read_like_jq_and_go_on_with_the_next_input() {
    let r = jq(&[".a"], "5\n");
    assert_eq!(
        r.stderr,
        "jq: error (at <stdin>:1): Cannot index number with \"a\"\n"
    );
    assert_eq!(r.status, 5);
    let r = jq(&[".a"], "1\n{\"a\":2}\n[]\n");
    assert_eq!(r.stdout, "2\n");
    assert_eq!(
        r.stderr,
        "jq: error (at <stdin>:1): Cannot index number with \"a\"\n\
         jq: error (at <stdin>:3): Cannot index array with \"a\"\n"
    );
    let r = jq(&[".[0]"], "[]\n\n\"s\"");
    assert_eq!(r.stdout, "null\n");
    assert_eq!(
        r.stderr,
        "jq: error (at <stdin>:2): Cannot index string with number\n"
    );
    let cases = [
        (".[]", "null", "Cannot iterate over null (null)"),
        (".[]", "5", "Cannot iterate over number (5)"),
        (
            ".a + 1",
            r#"{"a":"x"}"#,
            "string (\"x\") and number (1) cannot be added",
        ),
        ("length", "true", "boolean (true) has no length"),
        ("error(\"boom\")", "1", "boom"),
    ];
    for (filter, input, message) in cases {
        let r = jq(&[filter], input);
        assert_eq!(
            r.stderr,
            format!("jq: error (at <stdin>:0): {message}\n"),
            "{filter}"
        );
        assert_eq!(r.status, 5);
    }
    let r = jq(&["-n", "error({\"a\":1})"], "");
    assert_eq!(
        r.stderr,
        "jq: error (at <unknown>) (not a string): {\"a\":1}\n"
    );
    // The outputs before the error are printed.
    let r = jq(&["-c", ".[] | 10 / .b"], r#"[{"b":2},{"b":"x"}]"#);
    assert_eq!(r.stdout, "5\n");
    assert_eq!(r.status, 5);
}

#[test]
fn caught_errors_and_optional_access() {
    assert_eq!(out(&["-c", "[.[] | .a?]"], r#"[1,{"a":2},"s"]"#), "[2]\n");
    assert_eq!(out(&["try error(\"x\") catch ."], "null"), "\"x\"\n");
    assert_eq!(
        out(
            &["-c", "[.[] | try tonumber catch \"bad\"]"],
            r#"["1","x",2]"#
        ),
        "[1,\"bad\",2]\n"
    );
}

#[test]
fn compile_errors_exit_3() {
    let r = jq(&[".a |||"], "{}");
    assert_eq!(r.status, 3);
    assert!(
        r.stderr.starts_with("jq: error: syntax error, unexpected"),
        "{}",
        r.stderr
    );
    assert!(
        r.stderr
            .ends_with("at <top-level>, line 1:\n.a |||\njq: 1 compile error\n"),
        "{}",
        r.stderr
    );
    let r = jq(&["foo(1)"], "{}");
    assert_eq!(
        (r.status, r.stderr.as_str()),
        (
            3,
            "jq: error: foo/1 is not defined at <top-level>, line 1:\nfoo(1)\njq: 1 compile error\n"
        )
    );
    let r = jq(&[".a |\n $nope"], "{}");
    assert_eq!(
        r.stderr,
        "jq: error: $nope is not defined at <top-level>, line 2:\n $nope\njq: 1 compile error\n"
    );
}

#[test]
fn invalid_input_exits_2_after_the_good_values() {
    let r = jq(&["-c", ".a"], "{\"a\":1}\n{\"a\":\n");
    assert_eq!(r.stdout, "1\n");
    assert_eq!(
        r.stderr,
        "jq: error (at <stdin>:2): Unfinished JSON term at EOF at line 3, column 0\n"
    );
    assert_eq!(r.status, 2);
    let r = jq(&["."], "[1 2]");
    assert_eq!(r.status, 2);
    assert!(
        r.stderr
            .contains("Expected separator between values at line 1"),
        "{}",
        r.stderr
    );
    let r = jq(&["."], "{\"a\":1} nope");
    assert_eq!(r.status, 2);
    assert!(
        r.stderr.contains("Invalid literal at line 1"),
        "{}",
        r.stderr
    );
    let deep = "[".repeat(super::feed::MAX_DEPTH + 1);
    let r = jq(&["."], &deep);
    assert_eq!(r.status, 2);
    assert!(
        r.stderr.contains("Exceeds depth limit for parsing"),
        "{}",
        r.stderr
    );
}

#[test]
fn missing_files_and_bad_options() {
    let r = jq(&[".", "nope.json"], "");
    assert_eq!(
        (r.status, r.stderr.as_str()),
        (
            2,
            "jq: error: Could not open nope.json: No such file or directory\n"
        )
    );
    let sys = MemSystem::default();
    sys.write_file("/workspace/a.json", b"1", false).unwrap();
    let r = run_on(&sys, "jq", &[".", "nope.json", "a.json"], "");
    assert_eq!((r.status, r.stdout.as_str()), (2, "1\n"));
    let r = jq(&["-x", "."], "");
    assert_eq!(r.status, 2);
    assert!(
        r.stderr.starts_with("jq: Unknown option: -x\n"),
        "{}",
        r.stderr
    );
    let r = jq(&["-C", "."], "");
    assert_eq!(r.status, 2);
    assert_eq!(jq(&["--version"], "").stdout, "jq-1.7.1\n");
    assert!(jq(&["--help"], "").stdout.starts_with("Usage: jq"));
}

#[test]
fn halt_and_halt_error() {
    let r = jq(&["-n", "1, halt, 2"], "");
    assert_eq!((r.status, r.stdout.as_str()), (0, "1\n"));
    let r = jq(&["-n", "\"bye\\n\" | halt_error(1)"], "");
    assert_eq!((r.status, r.stderr.as_str()), (1, "bye\n"));
    let r = jq(&["-n", "{\"a\":1} | halt_error"], "");
    assert_eq!((r.status, r.stderr.as_str()), (5, "{\"a\":1}\n"));
    let r = jq(&["-n", "1 | debug | . + 1"], "");
    assert_eq!(
        (r.stdout.as_str(), r.stderr.as_str()),
        ("2\n", "[\"DEBUG:\",1]\n")
    );
    let r = jq(&["-n", "\"msg\" | stderr | empty"], "");
    assert_eq!(r.stderr, "msg");
}

#[test]
fn formats() {
    let row = r#"[1,"a,\"b\"",null,true,"t\tn\n"]"#;
    assert_eq!(
        out(&["-r", "@csv"], row),
        "1,\"a,\"\"b\"\"\",,true,\"t\tn\n\"\n"
    );
    assert_eq!(out(&["-r", "@tsv"], row), "1\ta,\"b\"\t\ttrue\tt\\tn\\n\n");
    assert_eq!(out(&["-r", "@sh"], r#"["it's", 2]"#), "'it'\\''s' 2\n");
    assert_eq!(out(&["-r", "@sh \"rm \\(.)\""], r#""a b""#), "rm 'a b'\n");
    assert_eq!(
        out(&["-r", "@base64, (@base64 | @base64d)"], r#""hi!""#),
        "aGkh\nhi!\n"
    );
    assert_eq!(out(&["-r", "@uri"], r#""a b&c/é""#), "a%20b%26c%2F%C3%A9\n");
    assert_eq!(
        out(&["-r", "@html"], r#""<a href='x'>&\"""#),
        "&lt;a href=&#39;x&#39;&gt;&amp;&quot;\n"
    );
    assert_eq!(
        out(&["-r", "@json"], r#"{"a":[1,2.0]}"#),
        "{\"a\":[1,2.0]}\n"
    );
    assert_eq!(out(&["-r", "@json \"v=\\(.)\""], r#""x""#), "v=\"x\"\n");
    let r = jq(&["-r", "@csv"], r#"[[1]]"#);
    assert_eq!(
        r.stderr,
        "jq: error (at <stdin>:0): array ([1]) is not valid in a csv row\n"
    );
}

#[test]
fn jq_definitions_where_jaq_differs() {
    assert_eq!(
        out(&["join(\"-\")"], r#"["a",1,null,true]"#),
        "\"a-1--true\"\n"
    );
    assert_eq!(out(&["join(\",\")"], "[]"), "\"\"\n");
    assert_eq!(
        out(
            &["-c", "from_entries"],
            r#"[{"key":"a","value":1},{"name":"b","value":2},{"k":3,"v":4}]"#
        ),
        "{\"a\":1,\"b\":2,\"3\":4}\n"
    );
    assert_eq!(
        out(&["-c", "with_entries(.value += 1)"], r#"{"a":1,"b":2}"#),
        "{\"a\":2,\"b\":3}\n"
    );
    assert_eq!(
        out(
            &["-c", "walk(if type == \"array\" then sort else . end)"],
            r#"[3,[2,1]]"#
        ),
        "[3,[1,2]]\n"
    );
    assert_eq!(
        out(&["-c", "[leaf_paths]"], r#"{"a":[1],"b":2}"#),
        "[[\"a\",0],[\"b\"]]\n"
    );
    assert_eq!(
        out(&["-c", "INDEX(.id)"], r#"[{"id":1},{"id":2}]"#),
        "{\"1\":{\"id\":1},\"2\":{\"id\":2}}\n"
    );
    assert_eq!(
        out(&["-c", "[.[] | IN(2, 3)]"], "[1,2,3]"),
        "[false,true,true]\n"
    );
    assert_eq!(
        out(&["-c", "[.[] | tonumber]"], r#"["1.5"," 2",3]"#),
        "[1.5,2,3]\n"
    );
    assert_eq!(
        out(&["-c", "fromjson"], r#""{\"a\":[1,2]}""#),
        "{\"a\":[1,2]}\n"
    );
    let r = jq(&["fromjson"], r#""{\"a\"""#);
    assert!(
        r.stderr.contains("(while parsing '{\"a\"')"),
        "{}",
        r.stderr
    );
    assert_eq!(
        out(&["-r", "todate"], "1700000000"),
        "2023-11-14T22:13:20Z\n"
    );
    assert_eq!(out(&["-n", "now | type"], ""), "\"number\"\n");
}

#[test]
fn filters_agents_use() {
    let doc = r#"{"items":[{"name":"a","n":3,"tags":["x"]},{"name":"b","n":1,"tags":[]},{"name":"c","n":2,"tags":["x","y"]}]}"#;
    let cases = [
        (".items | length", "3"),
        ("[.items[] | select(.n > 1) | .name]", r#"["a","c"]"#),
        (".items | map(.n) | add", "6"),
        (".items | sort_by(.n) | map(.name)", r#"["b","c","a"]"#),
        (".items | max_by(.n).name", r#""a""#),
        ("[.items[].tags[]] | unique", r#"["x","y"]"#),
        (".items | group_by(.tags | length) | map(length)", "[1,1,1]"),
        (
            ".items | map({(.name): .n}) | add",
            r#"{"a":3,"b":1,"c":2}"#,
        ),
        (
            ".items[0] | to_entries | map(.key)",
            r#"["name","n","tags"]"#,
        ),
        (".items[0] | has(\"n\"), has(\"z\")", "true\nfalse"),
        (".items[1:] | map(.name)", r#"["b","c"]"#),
        (".items[-1].name", r#""c""#),
        (
            "[.items[] | .name | ascii_upcase] | join(\",\")",
            r#""A,B,C""#,
        ),
        (
            ".items | map(select(.name | test(\"^[ab]$\"))) | length",
            "2",
        ),
        ("[paths(type == \"number\")] | length", "3"),
        ("del(.items) | keys", "[]"),
        (".items[0] | .n += 10 | .n", "13"),
        ("[limit(2; .items[])] | length", "2"),
        ("first(.items[]).name, (.items | last).name", "\"a\"\n\"c\""),
        ("reduce .items[] as $i (0; . + $i.n)", "6"),
        (
            "[.items[] | if .n > 2 then \"big\" elif .n > 1 then \"mid\" else \"small\" end]",
            r#"["big","small","mid"]"#,
        ),
        (".missing // \"default\"", r#""default""#),
        (
            "[.items[] | .name as $n | $n + \"!\"]",
            r#"["a!","b!","c!"]"#,
        ),
        ("\"a,b, c\" | split(\",\")", r#"["a","b"," c"]"#),
        (
            "\"hello world\" | sub(\"o\"; \"0\"), gsub(\"o\"; \"0\")",
            "\"hell0 world\"\n\"hell0 w0rld\"",
        ),
        ("\"été\" | length, utf8bytelength", "3\n5"),
        ("[range(0; 10; 3)]", "[0,3,6,9]"),
        ("[.items[].n] | min, max, (add / length)", "1\n3\n2"),
        ("{a: 1} + {b: 2} | keys", r#"["a","b"]"#),
        ("{a: {b: 1}} * {a: {c: 2}}", r#"{"a":{"b":1,"c":2}}"#),
        ("[1,[2,[3]]] | flatten", "[1,2,3]"),
        ("\"  x \" | ltrimstr(\" \") | rtrimstr(\" \")", r#"" x""#),
        ("[.items[] | .name] | index(\"b\")", "1"),
        (
            "any(.items[]; .n == 2), all(.items[]; .n > 0)",
            "true\ntrue",
        ),
        ("[.. | numbers]", "[3,1,2]"),
        ("getpath([\"items\", 0, \"name\"])", r#""a""#),
        ("@text \"\\(.items | length) items\"", r#""3 items""#),
        ("[.items[] | {name, n}] | .[0]", r#"{"name":"a","n":3}"#),
        (
            "label $out | foreach .items[] as $i (0; . + 1; if . == 2 then ., break $out else empty end)",
            "2",
        ),
        ("[.items[] | .tags | length] | add", "3"),
        (
            "[.items[].name] | contains([\"a\"]), inside([\"a\",\"b\",\"c\",\"d\"])",
            "true\ntrue",
        ),
        (
            "ascii_downcase?, (.items | tojson | fromjson | length)",
            "3",
        ),
        ("[.items[] | .n] | sort | reverse", "[3,2,1]"),
        ("to_entries[0].value | length", "3"),
        (".items | map(.n) | @csv", r#""3,1,2""#),
        ("splits(\"x\")?", ""),
        ("[.items[] | select(.tags | index(\"y\"))] | length", "1"),
        ("[.items[] | .n] | map(. * 1.5)", "[4.5,1.5,3]"),
    ];
    for (filter, want) in cases {
        let r = jq(&["-c", filter], doc);
        let got = r.stdout.trim_end();
        let want_text = if want.is_empty() {
            String::new()
        } else {
            want.to_string()
        };
        assert_eq!(
            (got, r.stderr.as_str()),
            (want_text.as_str(), ""),
            "{filter}"
        );
    }
}

#[test]
fn updates_create_pad_and_keep_key_order() {
    let cases = [
        ("null | .a.b = 1", "null", r#"{"a":{"b":1}}"#),
        (".a.b[1] = 1", "{}", r#"{"a":{"b":[null,1]}}"#),
        (
            "reduce .[] as $x ({}; .[$x].n += 1)",
            r#"["a","b","a"]"#,
            r#"{"a":{"n":2},"b":{"n":1}}"#,
        ),
        (".[3] = 1", "[]", "[null,null,null,1]"),
        (".[1:] = [\"x\"]", "[1,2,3]", r#"[1,"x"]"#),
        (".[1:] |= map(. * 2)", "[1,2,3]", "[1,4,6]"),
        (".a |= empty", r#"{"a":1,"b":2,"c":3}"#, r#"{"b":2,"c":3}"#),
        ("del(.a)", r#"{"a":1,"b":2,"c":3}"#, r#"{"b":2,"c":3}"#),
        ("del(.[0, 2])", "[1,2,3]", "[2]"),
        ("del(.[] | select(. > 1))", "[1,2,3]", "[1]"),
        (
            "del(.a.x, .b)",
            r#"{"a":{"x":1,"y":2},"b":2,"c":3}"#,
            r#"{"a":{"y":2},"c":3}"#,
        ),
        ("del(.[1:3])", "[1,2,3,4]", "[1,4]"),
        ("del(.a)", "null", "null"),
        (
            "to_entries | map(select(.key != \"a\")) | from_entries",
            r#"{"a":1,"b":2}"#,
            r#"{"b":2}"#,
        ),
        ("setpath([\"a\", 0]; 1)", "null", r#"{"a":[1]}"#),
        (".[] += 1", r#"{"a":1,"b":2}"#, r#"{"a":2,"b":3}"#),
        (
            "map_values(select(. > 1))",
            r#"{"a":1,"b":2}"#,
            r#"{"b":2}"#,
        ),
        (
            "[tostream]",
            r#"{"a":[1]}"#,
            r#"[[["a",0],1],[["a",0]],[["a"]]]"#,
        ),
        (
            "fromstream(tostream)",
            r#"{"a":[1,{"b":2}]}"#,
            r#"{"a":[1,{"b":2}]}"#,
        ),
        ("[.[] | indices(\", \")]", r#"["a, b, c"]"#, "[[1,4]]"),
        ("indices(1)", "[0,1,2,1]", "[1,3]"),
        (
            "[contains(\"bar\"), contains([\"baz\"])]?",
            r#""foobar""#,
            "",
        ),
        ("contains({a: [1]})", r#"{"a":[1,2],"b":3}"#, "true"),
        ("bsearch(3), bsearch(0)", "[1,3,5]", "1\n-1"),
    ];
    for (filter, input, want) in cases {
        let r = jq(&["-c", filter], input);
        assert_eq!(
            (r.stdout.trim_end(), r.stderr.as_str()),
            (want, ""),
            "{filter}"
        );
    }
    let errors = [
        (".[-2] = 5", "[1]", "Out of bounds negative array index"),
        (".a = 1", "5", "Cannot index number with \"a\""),
        (".[0] = 1", "{}", "Cannot index object with number"),
        (".[0]", "{}", "Cannot index object with number"),
        ("keys", "null", "null (null) has no keys"),
        (
            "{(1): 2}",
            "null",
            "Object keys must be strings, not number (1)",
        ),
        (
            "contains(1)",
            "\"a\"",
            "string (\"a\") and number (1) cannot have their containment checked",
        ),
    ];
    for (filter, input, message) in errors {
        let r = jq(&["-c", filter], input);
        assert_eq!(
            r.stderr,
            format!("jq: error (at <stdin>:0): {message}\n"),
            "{filter}"
        );
    }
    // `catch` sees jq's message too.
    assert_eq!(
        out(&["try .a catch ."], "5"),
        "\"Cannot index number with \\\"a\\\"\"\n"
    );
}

#[test]
fn large_inputs() {
    let mut doc = String::from("[");
    for i in 0..100_000 {
        if i > 0 {
            doc.push(',');
        }
        doc.push_str(&format!(
            "{{\"id\":{i},\"group\":\"g{}\",\"value\":{}.5}}",
            i % 7,
            i % 10
        ));
    }
    doc.push(']');
    assert_eq!(out(&["length"], &doc), "100000\n");
    assert_eq!(out(&["map(.value) | add"], &doc), "500000\n");
    assert_eq!(
        out(&["[.[] | select(.group == \"g3\")] | length"], &doc),
        "14286\n"
    );
    let lines: String = (0..100_000).map(|i| format!("{{\"n\":{i}}}\n")).collect();
    let r = jq(&["-c", ".n"], &lines);
    assert_eq!(r.stdout.lines().count(), 100_000);
    assert_eq!(r.stdout.lines().last(), Some("99999"));
}

#[test]
fn stdin_streams_and_stops_when_the_reader_goes() {
    let sys = MemSystem::default();
    let spawn = UtilitySpawn {
        sys: &sys,
        cwd: "/workspace",
    };
    let (mut feed, jq_in) = pipe();
    let (mut jq_out, mut jq_read) = pipe();
    let writer: LocalBoxFuture<'_, String> = Box::pin(async move {
        let mut n = 0u64;
        while feed
            .write(format!("{{\"a\":{n}}}\n").as_bytes())
            .await
            .is_ok()
            && feed.flush().await.is_ok()
        {
            n += 1;
        }
        n.to_string()
    });
    let jq: LocalBoxFuture<'_, String> = Box::pin(async {
        let mut err = Output::null();
        let argv = ["jq", "-c", ".a"].map(String::from).to_vec();
        spawn
            .spawn(argv, jq_in, &mut jq_out, &mut err)
            .await
            .to_string()
    });
    let reader: LocalBoxFuture<'_, String> = Box::pin(async move {
        let first = jq_read.line().await.map(<[u8]>::to_vec).unwrap_or_default();
        drop(jq_read);
        String::from_utf8_lossy(&first).into_owned()
    });
    let results = block_on(join_all(vec![writer, jq, reader]));
    assert_eq!(results[1], "141");
    assert_eq!(results[2], "0\n");
    // The writer was stopped too, long before it ran out of numbers.
    assert!(results[0].parse::<u64>().unwrap() < 1_000_000);
}

/// Feeds `text` to a [`Feed`] in two chunks split at `at`, as a pipe might deliver it.
fn values_split_at(text: &[u8], at: usize) -> Vec<String> {
    let mut feed = Feed::new(false);
    feed.open_stdin();
    feed.push_stdin(&text[..at]);
    let mut rest = Some(&text[at..]);
    let mut values = Vec::new();
    loop {
        match feed.next() {
            Next::Value(v) => values.push(String::from_utf8(super::write::compact(&v)).unwrap()),
            Next::NeedMore => match rest.take() {
                Some(r) => feed.push_stdin(r),
                None => feed.finish_stdin(),
            },
            Next::End => return values,
            other => panic!("{other:?} at {at}"),
        }
    }
}

#[test]
fn values_cut_across_chunks_at_every_byte() {
    let text = br#" {"a\"]":[1,{"b":"\\"}],"c":"x\u0041"} 12 "s\"}" [] true -1 null"#;
    let whole = values_split_at(text, text.len());
    assert_eq!(
        whole,
        [
            r#"{"a\"]":[1,{"b":"\\"}],"c":"xA"}"#,
            "12",
            r#""s\"}""#,
            "[]",
            "true",
            "-1",
            "null"
        ]
    );
    for at in 0..text.len() {
        assert_eq!(values_split_at(text, at), whole, "split at {at}");
    }
}
