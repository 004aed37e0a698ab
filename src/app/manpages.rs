//! `tilink man`: the man pages, generated from the command line itself, one per command
//! (`tilink.1`, `tilink-doctor.1`, `tilink-auth-login.1`, …), dated with the build date.

use super::{Failure, exit};
use crate::cli::ManArgs;
use std::path::Path;

/// Prints one page (tilink's, or a command's), or writes every page into `--out-dir`.
pub fn command(a: ManArgs) -> Result<u8, Failure> {
    let pages = pages();
    if let Some(dir) = &a.out_dir {
        write_all(&pages, dir)?;
        return Ok(exit::OK);
    }
    let name = std::iter::once("tilink")
        .chain(a.command.iter().map(String::as_str))
        .collect::<Vec<_>>()
        .join("-");
    let Some(page) = pages
        .iter()
        .find(|p| p.get_filename() == format!("{name}.1"))
    else {
        let known: Vec<String> = pages
            .iter()
            .filter_map(|p| {
                let f = p.get_filename();
                let sub = f.strip_suffix(".1")?.strip_prefix("tilink-")?;
                Some(sub.replace('-', " "))
            })
            .collect();
        return Err(Failure::input(format!(
            "no man page for `tilink {}`: the commands are {}",
            a.command.join(" ").chars().take(80).collect::<String>(),
            known.join(", ")
        )));
    };
    match page.render(&mut std::io::stdout()) {
        // `tilink man | head` is not a failure.
        Err(e) if e.kind() != std::io::ErrorKind::BrokenPipe => {
            Err(Failure::failed(format!("writing the man page: {e}")))
        }
        _ => Ok(exit::OK),
    }
}

/// One page per command that `--help` lists (hidden ones and `help` have none).
pub fn pages() -> Vec<clap_mangen::Man> {
    // tilink.1 first, then each command followed by its own commands, in --help order.
    fn walk(cmd: clap::Command, out: &mut Vec<clap_mangen::Man>) {
        let subs: Vec<clap::Command> = cmd
            .get_subcommands()
            .filter(|s| !s.is_hide_set() && s.get_name() != "help")
            .cloned()
            .collect();
        let mut page = clap_mangen::Man::new(cmd)
            .source(format!("tilink {}", crate::build_info::VERSION))
            .manual("tilink manual");
        if crate::build_info::BUILD_DATE != "unknown" {
            page = page.date(crate::build_info::BUILD_DATE);
        }
        out.push(page);
        for sub in subs {
            walk(sub, out);
        }
    }
    let mut cmd = crate::cli::command().disable_help_subcommand(true);
    // Building sets each subcommand's display name (tilink-doctor) that names its page.
    cmd.build();
    let mut out = Vec::new();
    walk(cmd, &mut out);
    out
}

/// Writes every page into `dir` (created if missing) and says where on stderr.
fn write_all(pages: &[clap_mangen::Man], dir: &Path) -> Result<(), Failure> {
    std::fs::create_dir_all(dir).map_err(|e| {
        Failure::failed(format!(
            "cannot create the directory {}: {e}",
            dir.display()
        ))
    })?;
    for p in pages {
        p.generate_to(dir).map_err(|e| {
            Failure::failed(format!(
                "cannot write {}: {e}",
                dir.join(p.get_filename()).display()
            ))
        })?;
    }
    eprintln!(
        "tilink: wrote {} man pages to {} (tilink.1 and one per command)",
        pages.len(),
        dir.display()
    );
    Ok(())
}
