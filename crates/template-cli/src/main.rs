use clap::{Parser, Subcommand};
#[derive(Parser)]
#[command(name = "template-cli", version)]
struct Cli { #[command(subcommand)] cmd: Cmd }
#[derive(Subcommand)]
enum Cmd { Count { paths: Vec<String> } }
fn main() {
    let cli = Cli::parse();
    match cli.cmd { Cmd::Count { paths } => {
        for p in paths { let d = std::fs::read(&p).unwrap(); let s = template_core::count_bytes(&d); println!("{} {} {} {}", s.lines, s.words, s.bytes, p); }
    } }
}
