fn main() {
    let path = std::env::args().nth(1).expect("a file");
    let source = std::fs::read_to_string(path).expect("readable");
    match airlock_typescript::strip(&source) {
        Ok(js) => print!("{js}"),
        Err(e) => eprintln!("{e}"),
    }
}
