//! Confirmations like terraform's and gh's: an explicit answer, then Enter. Only `y` or
//! `yes` is yes; anything else (an empty line, `maybe`, `n`) is no, so a stray key never
//! creates or deletes anything.

use crate::engine::Error;

/// Asks `prompt` on the terminal; true only for `y`/`yes` followed by Enter.
pub fn ask(prompt: &str) -> Result<bool, Error> {
    Ok(is_yes(&read_answer(&format!("{prompt} [y/N]"))?))
}

/// One line typed after `prompt`, then Enter; Ctrl-C is an interruption.
fn read_answer(prompt: &str) -> Result<String, Error> {
    dialoguer::Input::new()
        .with_prompt(prompt)
        .allow_empty(true)
        .interact_text()
        .map_err(|e| {
            let dialoguer::Error::IO(io) = e;
            if io.kind() == std::io::ErrorKind::Interrupted {
                Error::Interrupted("cancelled; nothing was changed".into())
            } else {
                Error::Failed(format!("cannot prompt: {io}"))
            }
        })
}

/// Asks for `expected` typed out (as `gh repo delete` asks for the repository's name):
/// `true` only when the answer is exactly it.
pub fn ask_typed(prompt: &str, expected: &str) -> Result<bool, Error> {
    let answer = read_answer(&format!("{prompt} Type {expected} to confirm"))?;
    Ok(answer.trim() == expected)
}

/// Whether a typed answer to [`ask`] means yes.
pub fn is_yes(answer: &str) -> bool {
    matches!(answer.trim().to_ascii_lowercase().as_str(), "y" | "yes")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_y_or_yes_is_yes() {
        for yes in ["y", "Y", "yes", " YES "] {
            assert!(is_yes(yes), "{yes:?}");
        }
        for no in ["", "n", "no", "maybe", "yy", "ye", "yes please", "1"] {
            assert!(!is_yes(no), "{no:?}");
        }
    }
}
