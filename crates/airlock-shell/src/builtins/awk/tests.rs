//! Whole awk programs, with the outputs gawk gives for them.

use std::cell::RefCell;
use std::rc::Rc;

use crate::cmd::{Cmd, Spawn};
use crate::exec::{LocalBoxFuture, block_on};
use crate::io::{Input, Output};
use crate::system::{MemSystem, System};
use crate::testing::{Ran, run, run_on};

/// Stands in for the interpreter's `sh -c`: a few commands, enough to see that awk passes
/// the command line, its input and its output through.
struct FakeSh;

impl Spawn for FakeSh {
    fn spawn<'s>(
        &'s self,
        argv: Vec<String>,
        mut stdin: Input,
        stdout: &'s mut Output,
        stderr: &'s mut Output,
    ) -> LocalBoxFuture<'s, i32> {
        Box::pin(async move {
            assert_eq!(&argv[..2], ["sh", "-c"]);
            let words: Vec<String> = argv[2].split_whitespace().map(str::to_string).collect();
            match words.first().map(String::as_str) {
                Some("echo") => {
                    let _ = stdout
                        .write(format!("{}\n", words[1..].join(" ")).as_bytes())
                        .await;
                    0
                }
                Some("sort") => {
                    let data = stdin.read_all().await;
                    let mut lines: Vec<&[u8]> = data.split_inclusive(|&b| b == b'\n').collect();
                    lines.sort();
                    let _ = stdout.write(&lines.concat()).await;
                    0
                }
                Some("exit") => words[1].parse().unwrap_or(0),
                _ => {
                    let _ = stderr.write(b"sh: not found\n").await;
                    127
                }
            }
        })
    }
}

/// Runs awk with [`FakeSh`] as its way to run commands.
fn awk_sh(args: &[&str], stdin: &str) -> Ran {
    let sys = MemSystem::default();
    let out = Rc::new(RefCell::new(Vec::new()));
    let err = Rc::new(RefCell::new(Vec::new()));
    let mut stdout = Output::buffer(Rc::clone(&out));
    let mut stderr = Output::buffer(Rc::clone(&err));
    let mut input = Input::from_bytes(stdin.as_bytes().to_vec());
    let env = [("HOME".to_string(), "/root".to_string())];
    let mut cmd = Cmd {
        name: "awk",
        args: args.iter().map(|s| s.to_string()).collect(),
        stdin: &mut input,
        stdout: &mut stdout,
        stderr: &mut stderr,
        sys: &sys,
        cwd: "/workspace",
        env: &env,
        spawn: &FakeSh,
    };
    let utility = crate::builtins::find("awk").unwrap();
    let status = block_on(async {
        let status = (utility.run)(&mut cmd).await;
        let _ = cmd.stdout.flush().await;
        let _ = cmd.stderr.flush().await;
        status
    });
    let text = |b: &Rc<RefCell<Vec<u8>>>| String::from_utf8_lossy(&b.borrow()).into_owned();
    Ran {
        stdout: text(&out),
        stderr: text(&err),
        status,
    }
}

fn awk(args: &[&str], stdin: &str) -> Ran {
    run("awk", args, stdin)
}

/// Runs `program` on `stdin` and returns stdout, asserting success.
fn out(program: &str, stdin: &str) -> String {
    let r = awk(&[program], stdin);
    assert_eq!(r.stderr, "", "program: {program}");
    assert_eq!(r.status, 0, "program: {program}");
    r.stdout
}

const DATA: &str = "alice 10 3.5\nbob 20 1.25\ncarol 30 2\nbob 5 0.25\n";

#[test]
fn classic_one_liners() {
    assert_eq!(out("{print $2}", DATA), "10\n20\n30\n5\n");
    assert_eq!(
        awk(&["-F:", "{print $1}"], "root:x:0\nme:x:1\n").stdout,
        "root\nme\n"
    );
    assert_eq!(out("NR==2", DATA), "bob 20 1.25\n");
    assert_eq!(
        out("{a[$1]+=$2} END {for (k in a) print k, a[k]}", DATA),
        "alice 10\nbob 25\ncarol 30\n"
    );
    assert_eq!(out("length > 11", DATA), "alice 10 3.5\n");
    assert_eq!(out("{ $1=\"\"; print }", "a b c\n"), " b c\n");
    assert_eq!(out("BEGIN{printf \"%5.2f\\n\", 3.14159}", ""), " 3.14\n");
    assert_eq!(out("{s+=$3} END {print s}", DATA), "7\n");
    assert_eq!(out("END{print NR}", DATA), "4\n");
    assert_eq!(out("{print NF}", "a b\n\n x  y z \n"), "2\n0\n3\n");
    assert_eq!(out("{print $NF}", DATA), "3.5\n1.25\n2\n0.25\n");
    assert_eq!(out("!seen[$1]++ {print $1}", DATA), "alice\nbob\ncarol\n");
    assert_eq!(out("/bob/,/carol/ {print NR}", DATA), "2\n3\n4\n");
    assert_eq!(out("$2 > 9 && $3 < 3 {print $1}", DATA), "bob\ncarol\n");
    assert_eq!(out("{print NR\": \"$0}", "x\ny\n"), "1: x\n2: y\n");
    assert_eq!(out("NF", "a\n\nb\n"), "a\nb\n");
    assert_eq!(out("{ print length($1) }", "héllo\n"), "5\n");
}

#[test]
fn field_separators() {
    assert_eq!(awk(&["-F,", "{print $2}"], "a,b,c\n,x,\n").stdout, "b\nx\n");
    assert_eq!(awk(&["-F\\t", "{print $2}"], "a b\tc\n").stdout, "c\n");
    assert_eq!(awk(&["-Ft", "{print $2}"], "a\tc\n").stdout, "c\n");
    assert_eq!(
        awk(&["-F", "[:;]+", "{print $3}"], "a:;b;c\n").stdout,
        "c\n"
    );
    assert_eq!(awk(&["-F|", "{print $2}"], "a|b\n").stdout, "b\n");
    assert_eq!(awk(&["-F.", "{print $2}"], "a.b\n").stdout, "b\n");
    assert_eq!(out("BEGIN{FS=\"\"} {print $2, NF}", "abc\n"), "b 3\n");
    assert_eq!(out("BEGIN{FS=\",\"} {print $1}", "x,y\n"), "x\n");
    // A record keeps the FS it was read with.
    assert_eq!(out("{FS=\":\"; print $1}", "a:b c\nd:e f\n"), "a:b\nd\n");
    assert_eq!(out("{print $1}", "  lead  trail  \n"), "lead\n");
    assert_eq!(out("BEGIN{FS=\" +\"} {print $2}", " a b\n"), "a\n");
}

#[test]
fn record_separators() {
    assert_eq!(
        out("BEGIN{RS=\";\"} {print NR\":\"$0}", "a;b;c"),
        "1:a\n2:b\n3:c\n"
    );
    assert_eq!(
        out(
            "BEGIN{RS=\"\"} {print NR\": \"$1\"/\"$2\"/\"NF}",
            "\n\na b\nc\n\n\n\nd\ne f\n"
        ),
        "1: a/b/3\n2: d/e/3\n"
    );
    assert_eq!(
        out("BEGIN{RS=\"\"; FS=\":\"} {print $2}", "a:b\nc:d\n"),
        "b\n"
    );
    assert_eq!(
        out("BEGIN{RS=\"[0-9]+\"} {print $0}", "a1b22c"),
        "a\nb\nc\n"
    );
    assert_eq!(out("BEGIN{ORS=\"|\"} {print}", "a\nb\n"), "a|b|");
    assert_eq!(out("BEGIN{OFS=\"-\"} {print $1, $2}", "a b\n"), "a-b\n");
    assert_eq!(
        out("BEGIN{OFS=\"-\"} {$1=$1; print}", "a  b   c\n"),
        "a-b-c\n"
    );
}

#[test]
fn fields_and_nf_assignment() {
    assert_eq!(out("{$3=\"X\"; print; print NF}", "a b\n"), "a b X\n3\n");
    assert_eq!(out("{NF=2; print}", "a b c d\n"), "a b\n");
    assert_eq!(out("{NF=4; $0=$0; print NF}", "a\n"), "1\n");
    assert_eq!(out("{$0=\"x y z\"; print $2, NF}", "a\n"), "y 3\n");
    assert_eq!(out("{$2=\"\"; print NF, $0}", "a b c\n"), "3 a  c\n");
    assert_eq!(out("{i=1; print $i, $(i+1), $NF}", "a b c\n"), "a b c\n");
    assert_eq!(out("{$5=\"e\"; print}", "a b\n"), "a b   e\n");
    assert_eq!(out("{print $(NF-1)}", "a b c\n"), "b\n");
    assert_eq!(
        out(
            "{ for (i = NF; i > 0; i--) printf \"%s%s\", $i, (i > 1 ? OFS : ORS) }",
            "1 2 3\n"
        ),
        "3 2 1\n"
    );
}

#[test]
fn numbers_and_strings() {
    assert_eq!(
        out(
            "BEGIN{print 1/3, 100000*100000, 2^53, 0.1+0.2, 1e6, 1e-5}",
            ""
        ),
        "0.333333 10000000000 9007199254740992 0.3 1000000 1e-05\n"
    );
    assert_eq!(
        out("BEGIN{print 2**10, 2^3^2, -2^2, 7%3, -7%3, 5/2}", ""),
        "1024 512 -4 1 -1 2.5\n"
    );
    assert_eq!(
        out("BEGIN{OFMT=\"%.2f\"; x=3.14159; print x, x \"\"}", ""),
        "3.14 3.14159\n"
    );
    assert_eq!(
        out(
            "BEGIN{CONVFMT=\"%.2f\"; x=3.14159; y = x \"\"; print y}",
            ""
        ),
        "3.14\n"
    );
    assert_eq!(
        out("BEGIN{x = \"3x\"; print x+0, +\"\", -\"-4\"}", ""),
        "3 0 4\n"
    );
    assert_eq!(
        out("BEGIN{print 1==1.0, \"a\"<\"b\", \"10\"<\"9\", 10<9}", ""),
        "1 1 1 0\n"
    );
    // Fields that look numeric compare as numbers; string constants as strings.
    assert_eq!(
        out("$1 < $2 {print \"lt\"} $1 == 10 {print \"ten\"}", "10 9\n"),
        "ten\n"
    );
    assert_eq!(
        out(
            "$1 == \"1.0\" {print \"str\"} $1 == 1 {print \"num\"}",
            "1.0\n"
        ),
        "str\nnum\n"
    );
    assert_eq!(out("{print ($1 < $2)}", "abc abd\n"), "1\n");
    assert_eq!(
        out("BEGIN{x; if (x == 0 && x == \"\") print \"both\"}", ""),
        "both\n"
    );
    assert_eq!(out("BEGIN{print length(12345), length(1/4)}", ""), "5 4\n");
    assert_eq!(
        out("BEGIN{print int(3.9), int(-3.9), int(\"42abc\")}", ""),
        "3 -3 42\n"
    );
    assert_eq!(out("BEGIN{print 1 \" \" 2, 1 2}", ""), "1 2 12\n");
    assert_eq!(out("BEGIN{print 1 - 1, \"a\" -1}", ""), "0 -1\n");
    assert_eq!(out("BEGIN{x = 0x10; print x}", ""), "16\n");
}

#[test]
fn operators() {
    assert_eq!(
        out(
            "BEGIN{x=5; x+=2; x-=1; x*=3; x/=2; x%=5; x^=2; print x}",
            ""
        ),
        "16\n"
    );
    assert_eq!(
        out("BEGIN{i=1; print i++, i, ++i, i--, --i}", ""),
        "1 2 3 3 1\n"
    );
    assert_eq!(
        out("BEGIN{print (1 ? \"y\" : \"n\"), (0 ? \"y\" : \"n\")}", ""),
        "y n\n"
    );
    assert_eq!(
        out("BEGIN{print !0, !1, !\"\", !\"a\", - -3}", ""),
        "1 0 1 0 3\n"
    );
    assert_eq!(
        out(
            "BEGIN{print (\"abc\" ~ /b/), (\"abc\" ~ \"^b\"), (\"abc\" !~ /z/)}",
            ""
        ),
        "1 0 1\n"
    );
    assert_eq!(
        out("BEGIN{a[\"x\"]; print (\"x\" in a), (\"y\" in a)}", ""),
        "1 0\n"
    );
    assert_eq!(
        out(
            "BEGIN{a[1,2]=3; print ((1,2) in a); for (k in a) {split(k, p, SUBSEP); print p[1], p[2]}}",
            ""
        ),
        "1\n1 2\n"
    );
    assert_eq!(out("BEGIN{x = y = 4; print x, y}", ""), "4 4\n");
    assert_eq!(out("BEGIN{print 1<2 ? \"a\" : \"b\"}", ""), "a\n");
    assert_eq!(
        out(
            "BEGIN{n = split(\"a b c\", arr); print n, arr[3]; print length(arr)}",
            ""
        ),
        "3 c\n3\n"
    );
}

#[test]
fn control_flow() {
    let prog = r#"BEGIN {
        for (i = 0; i < 10; i++) { if (i == 2) continue; if (i == 5) break; s = s i }
        print s
        while (j < 3) j++
        print j
        do { k++ } while (k < 0)
        print k
        if (k) print "yes"; else print "no"
    }"#;
    assert_eq!(out(prog, ""), "0134\n3\n1\nyes\n");
    assert_eq!(out("NR==1{next} {print}", "a\nb\n"), "b\n");
    assert_eq!(
        out("{print} NR==2{exit} END{print \"end\"}", "a\nb\nc\n"),
        "a\nb\nend\n"
    );
    assert_eq!(
        awk(&["BEGIN{exit 3} END{print \"end\"}"], "").stdout,
        "end\n"
    );
    assert_eq!(awk(&["BEGIN{exit 3} END{print \"end\"}"], "").status, 3);
    assert_eq!(awk(&["END{exit} END{print \"no\"}"], "").status, 0);
    assert_eq!(awk(&["{exit 1} END{exit}"], "a\n").status, 1);
}

#[test]
fn multiple_begin_and_end() {
    assert_eq!(
        out(
            "BEGIN{printf \"a\"} BEGIN{print \"b\"} END{print 1} END{print 2}",
            "x\n"
        ),
        "ab\n1\n2\n"
    );
}

#[test]
fn nextfile_and_fnr() {
    let sys = MemSystem::default();
    sys.write_file("/workspace/a", b"1\n2\n3\n", false).unwrap();
    sys.write_file("/workspace/b", b"4\n5\n", false).unwrap();
    let r = run_on(
        &sys,
        "awk",
        &["FNR==2{nextfile} {print FILENAME, FNR, NR, $0}", "a", "b"],
        "",
    );
    assert_eq!(r.stdout, "a 1 1 1\nb 1 3 4\n");
    let r = run_on(
        &sys,
        "awk",
        &["FNR==NR{seen[$0]; next} !($0 in seen)", "b", "a"],
        "",
    );
    assert_eq!(r.stdout, "1\n2\n3\n");
    let r = run_on(&sys, "awk", &["{print x, $0}", "x=1", "b", "x=2", "a"], "");
    assert_eq!(r.stdout, "1 4\n1 5\n2 1\n2 2\n2 3\n");
}

#[test]
fn arrays_and_delete() {
    let prog = r#"BEGIN {
        a["x"] = 1; a["y"] = 2; a["z"] = 3
        delete a["y"]
        for (k in a) printf "%s ", k
        print length(a)
        delete a
        print length(a)
        if (("q" in a) == 0) print "absent"
        b[1]; print length(b)
    }"#;
    assert_eq!(out(prog, ""), "x z 2\n0\nabsent\n1\n");
    // Referencing an element creates it.
    assert_eq!(
        out("BEGIN{if (a[1] == \"\") n = length(a); print n}", ""),
        "1\n"
    );
    assert_eq!(
        out(
            "BEGIN{PROCINFO[\"sorted_in\"]=\"@ind_num_asc\"; a[10];a[9];a[100]; for (k in a) print k}",
            ""
        ),
        "9\n10\n100\n"
    );
    assert_eq!(
        out("BEGIN{a[10];a[9]; for (k in a) if (k < 10) print k}", ""),
        "9\n"
    );
}

#[test]
fn user_functions() {
    let prog = r#"
        function fact(n) { return n <= 1 ? 1 : n * fact(n - 1) }
        function fill(arr, n,   i) { for (i = 1; i <= n; i++) arr[i] = i * i }
        function local(x,   tmp) { tmp = x * 2; return tmp }
        function noret() { }
        BEGIN {
            print fact(10)
            fill(sq, 3); print sq[1], sq[2], sq[3], length(sq)
            tmp = "keep"; print local(4), tmp
            print "[" noret() "]"
        }"#;
    assert_eq!(out(prog, ""), "3628800\n1 4 9 3\n8 keep\n[]\n");
    assert_eq!(
        out(
            "function f(a) { a[\"k\"] = 1 } BEGIN { f(x); print length(x) }",
            ""
        ),
        "1\n"
    );
    assert_eq!(
        out(
            "function g(s) { s = \"changed\" } BEGIN { v = \"orig\"; g(v); print v }",
            ""
        ),
        "orig\n"
    );
    let r = awk(&["function f(n) { return f(n+1) } BEGIN { f(1) }"], "");
    assert_eq!(r.status, 2);
    assert!(r.stderr.contains("nest too deeply"), "{}", r.stderr);
}

#[test]
fn string_functions() {
    let prog = r#"BEGIN {
        s = "hello world"
        print substr(s, 1, 5), substr(s, 7), substr(s, 0, 2), substr(s, -1), substr(s, 20) "|"
        print index(s, "o"), index(s, "z"), length(s), length()
        print toupper(s), tolower("ABC")
        n = split("a:b:c", parts, ":"); print n, parts[1], parts[3]
        n = split("a1b22c", parts, /[0-9]+/); print n, parts[2]
        n = split("", parts); print n, length(parts)
        print match("foobar", /o+/), RSTART, RLENGTH
        print match("foobar", /z/), RSTART, RLENGTH
        print sprintf("%-5s|%03d|%x|%c|%e", "ab", 7, 255, 65, 12345.678)
    }"#;
    assert_eq!(
        out(prog, ""),
        "hello world he hello world |\n5 0 11 0\nHELLO WORLD abc\n3 a c\n3 b\n0 0\n2 2 2\n0 0 -1\nab   |007|ff|A|1.234568e+04\n"
    );
}

#[test]
fn sub_and_gsub() {
    assert_eq!(out("{gsub(/o/, \"0\"); print}", "foo boo\n"), "f00 b00\n");
    assert_eq!(
        out("{n = sub(/o/, \"0\"); print n, $0}", "foo\n"),
        "1 f0o\n"
    );
    assert_eq!(
        out("{gsub(/[a-z]+/, \"<&>\"); print}", "ab 12 cd\n"),
        "<ab> 12 <cd>\n"
    );
    assert_eq!(out("{gsub(/b/, \"\\\\&\"); print}", "abc\n"), "a&c\n");
    assert_eq!(
        out(r#"{gsub(/b/, "[\\\\&]"); print}"#, "abc\n"),
        "a[\\b]c\n"
    );
    assert_eq!(
        out(r#"{gsub(/b/, "[\\\\\\&]"); print}"#, "abc\n"),
        "a[\\&]c\n"
    );
    assert_eq!(
        out(r#"{gsub(/b/, "[\\\\q]"); print}"#, "abc\n"),
        "a[\\\\q]c\n"
    );
    assert_eq!(out("{gsub(/x*/, \"-\"); print}", "abc\n"), "-a-b-c-\n");
    assert_eq!(out("{gsub(/b*/, \"-\"); print}", "abc\n"), "-a-c-\n");
    assert_eq!(
        out("{gsub(/^ +| +$/, \"\"); print \"[\" $0 \"]\"}", "  x y  \n"),
        "[x y]\n"
    );
    assert_eq!(
        out("{sub(/a/, \"X\", $2); print; print NF}", "a a a\n"),
        "a X a\n3\n"
    );
    assert_eq!(
        out(
            "{s = $0; n = gsub(/l/, \"L\", s); print n, s, $0}",
            "hello\n"
        ),
        "2 heLLo hello\n"
    );
    assert_eq!(
        out(
            "{a[\"k\"] = $0; gsub(/l/, \"\", a[\"k\"]); print a[\"k\"]}",
            "hello\n"
        ),
        "heo\n"
    );
    assert_eq!(out("{gsub(\"\\\\.\", \"!\"); print}", "a.b.c\n"), "a!b!c\n");
    assert_eq!(out("{gsub(/\\./, \"!\"); print}", "a.b\n"), "a!b\n");
}

#[test]
fn gawk_extensions() {
    assert_eq!(
        out(
            "BEGIN{print gensub(/(a+)(b+)/, \"<\\\\2\\\\1>\", \"g\", \"aab xab\")}",
            ""
        ),
        "<baa> x<ba>\n"
    );
    assert_eq!(
        out("BEGIN{print gensub(/o/, \"0\", 2, \"foo boo\")}", ""),
        "fo0 boo\n"
    );
    assert_eq!(
        out("{print gensub(/([0-9]+)/, \"#&\", \"g\")}", "a1b22\n"),
        "a#1b#22\n"
    );
    assert_eq!(
        out(
            "{if (match($0, /id=([0-9]+)/, m)) print m[1], m[0], m[1, \"start\"], m[1, \"length\"]}",
            "x id=42 y\n"
        ),
        "42 id=42 6 2\n"
    );
    assert_eq!(
        out("BEGIN{print length(\"\"), (systime() > 0)}", ""),
        "0 1\n"
    );
    assert_eq!(
        out("{print $0 ~ /\\<cat\\>/, $0 ~ /\\ycat\\y/}", "a cat b\n"),
        "1 1\n"
    );
    assert_eq!(
        out("{print $0 ~ /^[[:upper:]][[:digit:]]+$/}", "A12\n"),
        "1\n"
    );
}

#[test]
fn printf_formats() {
    let prog = r#"BEGIN {
        printf "%d|%i|%5d|%-5d|%05d|%+d|% d\n", 42.9, -3, 7, 7, -7, 5, 5
        printf "%o|%x|%X|%#x|%u\n", 8, 255, 255, 255, 3
        printf "%e|%E|%f|%F|%g|%G\n", 1234.5, 0.00012, 2.5, 1, 0.0000123, 1e20
        printf "%s|%10s|%-10s|%.2s|%c|%c\n", "str", "right", "left", "trunc", "xyz", 66
        printf "%*d|%-*d|%.*f|%%\n", 6, 42, 4, 1, 2, 3.14159
        printf "no newline"
        printf "\n%s %s\n", "only"
    }"#;
    assert_eq!(
        out(prog, ""),
        "42|-3|    7|7    |-0007|+5| 5\n10|ff|FF|0xff|3\n1.234500e+03|1.200000E-04|2.500000|1.000000|1.23e-05|1E+20\nstr|     right|left      |tr|x|B\n    42|1   |3.14|%\nno newline\nonly \n"
    );
    assert_eq!(
        out("BEGIN{printf(\"%s-%s\\n\", \"a\", \"b\")}", ""),
        "a-b\n"
    );
    // A field that looks numeric is a character code for %c; a string constant is text.
    assert_eq!(out("{printf \"%c%c\\n\", $1, \"65\"}", "65\n"), "A6\n");
}

#[test]
fn getline_forms() {
    let sys = MemSystem::default();
    sys.write_file("/workspace/f", b"one\ntwo\n", false)
        .unwrap();
    let prog = r#"BEGIN { while ((getline line < "f") > 0) print "got", line; close("f"); getline < "f"; print $0, NR; print (getline x < "missing") }"#;
    let r = run_on(&sys, "awk", &[prog], "");
    assert_eq!(r.stdout, "got one\ngot two\none 0\n-1\n");
    assert_eq!(out("/a/{getline; print}", "a\nb\nc\na\nd\n"), "b\nd\n");
    assert_eq!(
        out("NR==1{getline x; print x, NR, $0}", "1\n2\n3\n"),
        "2 2 1\n"
    );
    assert_eq!(
        out("BEGIN{while ((getline l) > 0) n++; print n}", "a\nb\nc\n"),
        "3\n"
    );
    let r = awk_sh(
        &[
            "BEGIN{ \"echo hi there\" | getline; print $2, NR; \"echo x\" | getline v; print v, NR }",
        ],
        "",
    );
    assert_eq!((r.stdout.as_str(), r.status), ("there 1\nx 2\n", 0));
    let r = awk_sh(
        &[
            "BEGIN{ c = \"echo a b\"; while ((c | getline w) > 0) n++; print n, close(c), close(c) }",
        ],
        "",
    );
    assert_eq!(r.stdout, "1 0 -1\n");
}

#[test]
fn output_redirection() {
    let sys = MemSystem::default();
    let r = run_on(
        &sys,
        "awk",
        &[
            "{print $2 > ($1 \".txt\")} END{close(\"a.txt\"); print \"x\" >> \"a.txt\"}",
            "-",
        ],
        "a 1\nb 2\na 3\n",
    );
    assert_eq!((r.status, r.stderr.as_str()), (0, ""));
    assert_eq!(sys.read_file("/workspace/a.txt").unwrap(), b"1\n3\nx\n");
    assert_eq!(sys.read_file("/workspace/b.txt").unwrap(), b"2\n");
    let r = run_on(
        &sys,
        "awk",
        &["BEGIN{print \"err\" > \"/dev/stderr\"; print \"out\" > \"/dev/stdout\"}"],
        "",
    );
    assert_eq!((r.stdout.as_str(), r.stderr.as_str()), ("out\n", "err\n"));
    let r = awk_sh(
        &["{print | \"sort\"} END{close(\"sort\"); print \"done\"}"],
        "b\na\n",
    );
    assert_eq!(r.stdout, "a\nb\ndone\n");
    let r = awk_sh(&["{print | \"sort\"} END{print \"first\"}"], "b\na\n");
    assert_eq!(r.stdout, "first\na\nb\n");
    let r = run_on(
        &sys,
        "awk",
        &["BEGIN{print \"x\" > \"/dev/null\"; print (getline l < \"/dev/null\")}"],
        "",
    );
    assert_eq!(r.stdout, "0\n");
    let r = run_on(
        &sys,
        "awk",
        &["BEGIN{printf \"%s\\n\", \"p\" > \"/workspace/p.txt\"}"],
        "",
    );
    assert_eq!(r.status, 0);
    assert_eq!(sys.read_file("/workspace/p.txt").unwrap(), b"p\n");
}

#[test]
fn system_runs_a_command() {
    let r = awk_sh(
        &["BEGIN{printf \"a \"; r = system(\"echo b\"); print r; print system(\"exit 3\")}"],
        "",
    );
    assert_eq!(r.stdout, "a b\n0\n3\n");
    let r = awk_sh(&["BEGIN{print ENVIRON[\"HOME\"]}"], "");
    assert_eq!(r.stdout, "/root\n");
}

#[test]
fn environ_argv_and_v() {
    assert_eq!(
        awk(
            &["-v", "x=5", "-v", "msg=a\\tb", "BEGIN{print x+1, msg}"],
            ""
        )
        .stdout,
        "6 a\tb\n"
    );
    assert_eq!(
        awk(&["-v", "OFS=:", "{$1=$1; print}"], "a b\n").stdout,
        "a:b\n"
    );
    assert_eq!(
        awk(
            &["BEGIN{print ARGC, ARGV[0], ARGV[1], ARGV[2]}", "x", "y=1"],
            ""
        )
        .stdout,
        "3 awk x y=1\n"
    );
    assert_eq!(
        awk(&["BEGIN{print length(ENVIRON) >= 0}"], "").stdout,
        "1\n"
    );
    let sys = MemSystem::default();
    sys.write_file("/workspace/f", b"data\n", false).unwrap();
    let r = run_on(
        &sys,
        "awk",
        &["BEGIN{ARGV[1]=\"f\"; ARGC=2} {print}", "nothere"],
        "",
    );
    assert_eq!(r.stdout, "data\n");
}

#[test]
fn program_from_file() {
    let sys = MemSystem::default();
    sys.write_file("/workspace/p.awk", b"# comment\n{ print $1 }\n", false)
        .unwrap();
    let r = run_on(&sys, "awk", &["-f", "p.awk"], "x y\n");
    assert_eq!(r.stdout, "x\n");
    let r = run_on(&sys, "awk", &["-f", "nope.awk"], "");
    assert_eq!(r.status, 2);
    assert!(r.stderr.contains("nope.awk"), "{}", r.stderr);
}

#[test]
fn syntax_errors_point_at_the_place() {
    let r = awk(&["BEGIN{x = }"], "");
    assert_eq!(r.status, 2);
    assert_eq!(
        r.stderr,
        "awk: line 1: BEGIN{x = }\nawk: line 1:           ^ syntax error at or near }\n"
    );
    let r = awk(&["BEGIN {\n  print 1\n  print (2\n}"], "");
    assert_eq!(r.status, 2);
    assert!(
        r.stderr.starts_with("awk: line 3:   print (2\n"),
        "{}",
        r.stderr
    );
    let r = awk(&["BEGIN{f(1)}"], "");
    assert!(
        r.stderr.contains("function `f' called but never defined"),
        "{}",
        r.stderr
    );
    assert_eq!(awk(&["/unterminated"], "").status, 2);
    assert_eq!(awk(&["BEGIN{print \"x}"], "").status, 2);
}

#[test]
fn runtime_errors_exit_2() {
    let r = awk(&["BEGIN{x = 1\ny = x / 0}"], "");
    assert_eq!(
        (r.status, r.stderr.as_str()),
        (2, "awk: line 2: division by zero attempted\n")
    );
    let r = awk(&["BEGIN{a[1]=1; a = 2}"], "");
    assert_eq!(r.status, 2);
    assert!(r.stderr.contains("array `a'"), "{}", r.stderr);
    let r = awk(&["{print}", "missing"], "");
    assert_eq!(
        (r.status, r.stderr.as_str()),
        (
            2,
            "awk: cannot open file `missing' for reading: No such file or directory\n"
        )
    );
}

#[test]
fn usage_errors() {
    let r = awk(&[], "");
    assert_eq!(r.status, 2);
    let r = awk(&["-x", "1"], "");
    assert_eq!(r.status, 2);
    assert!(r.stderr.contains("invalid option -- 'x'"), "{}", r.stderr);
    let r = awk(&["-v", "bad", "BEGIN{}"], "");
    assert_eq!(r.status, 2);
}

#[test]
fn uninitialized_and_parsing_corners() {
    assert_eq!(
        out("BEGIN { if (!(3 in a)) print \"no\"; print length(a) }", ""),
        "no\n0\n"
    );
    assert_eq!(out("BEGIN { print length }", ""), "0\n");
    assert_eq!(out("{ print length }", "abc\n"), "3\n");
    assert_eq!(
        out("BEGIN { x = \"a\" ; x = x \"b\" ; print x }", ""),
        "ab\n"
    );
    assert_eq!(out("BEGIN { print 10 % 3 \"\" 4 }", ""), "14\n");
    assert_eq!(out("BEGIN { print 1,\n 2 }", ""), "1 2\n");
    assert_eq!(
        out("BEGIN { if (1)\n print \"a\"\n else\n print \"b\" }", ""),
        "a\n"
    );
    assert_eq!(out("BEGIN { print(1)(2) }", ""), "12\n");
    assert_eq!(out("BEGIN { print (1,2) }", ""), "1 2\n");
    assert_eq!(out("BEGIN { a = 1; b = 2; print a\" \"b }", ""), "1 2\n");
    assert_eq!(out("BEGIN { print -1 \" \" -1 }", ""), "-1-1\n");
    assert_eq!(out("BEGIN { n = 3; print n \" items\" }", ""), "3 items\n");
    assert_eq!(out("{ print $1 / 2 }", "10\n"), "5\n");
    assert_eq!(
        out(
            "BEGIN { x[\"a\"] = 1; for (k in x) delete x[k]; print length(x) }",
            ""
        ),
        "0\n"
    );
    assert_eq!(
        out("BEGIN { printf \"%s\\n\", 1e300 * 1e300 }", ""),
        "+inf\n"
    );
    assert_eq!(
        out("BEGIN { s = sprintf(\"%c\", 256); print length(s) }", ""),
        "1\n"
    );
    assert_eq!(out("BEGIN { while (i++ < 3) ; print i }", ""), "4\n");
    assert_eq!(
        out("BEGIN { for (;;) { if (++n > 4) break }; print n }", ""),
        "5\n"
    );
    assert_eq!(out("BEGIN{ a = \"x\"; a = a a a; print a }", ""), "xxx\n");
    assert_eq!(
        out("BEGIN { $0 = \"a b c\"; print NF; $2 = \"\"; print }", ""),
        "3\na  c\n"
    );
    assert_eq!(
        out("BEGIN { getline; print \"got \" $0 }", "line\n"),
        "got line\n"
    );
    assert_eq!(
        out("BEGIN { printf \"%d %s %s\\n\", \"0x1A\", 011, 018 }", ""),
        "0 9 18\n"
    );
}

#[test]
fn big_input_streams() {
    let mut input = String::new();
    for i in 0..100_000 {
        input.push_str(&format!("row{i} {i} x\n"));
    }
    let r = awk(&["{ s += $2 } END { print s, NR }"], &input);
    assert_eq!(r.stdout, "4999950000 100000\n");
    let r = awk(&["NR % 25000 == 0 { print $1 }"], &input);
    assert_eq!(r.stdout, "row24999\nrow49999\nrow74999\nrow99999\n");
}

#[test]
fn help_and_gawk_alias() {
    let r = awk(&["--help"], "");
    assert!(r.stdout.starts_with("Usage: awk"));
    assert!(awk(&["--version"], "").stdout.starts_with("awk (airlock)"));
    assert_eq!(run("gawk", &["BEGIN{print 1}"], "").stdout, "1\n");
}

/// The input of the performance check: 285,000 lines, about 10 MB.
fn bench_input() -> String {
    let mut input = String::with_capacity(11 << 20);
    for i in 0..285_000u32 {
        input.push_str(&format!(
            "user{} {} {}.{} GET /index/page{}.html 200\n",
            i % 1000,
            i,
            i % 97,
            i % 10,
            i % 50
        ));
    }
    input
}

/// `cargo test --release -p airlock-shell awk::tests::bench -- --ignored --nocapture`
#[test]
#[ignore]
fn bench() {
    let input = bench_input();
    for prog in [
        "{s+=$3} END {print s}",
        "{print $2}",
        "{a[$1]+=$2} END {for (k in a) n++; print n}",
        "/page1[0-9]/ {n++} END {print n}",
        "{ $2 = \"x\"; print }",
        "{ n += length($0) } END { print n }",
        "BEGIN { for (i = 0; i < 1000000; i++) s += i * 2; print s }",
    ] {
        let start = std::time::Instant::now();
        let r = awk(&[prog], &input);
        println!(
            "{:>8.1} ms  {prog}  -> {} bytes",
            start.elapsed().as_secs_f64() * 1000.0,
            r.stdout.len()
        );
    }
}
