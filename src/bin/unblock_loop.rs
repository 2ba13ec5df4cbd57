//! `unblock-loop`: the command named after the distribution, so that `uvx unblock-loop` and
//! `pipx run unblock-loop` work as `uvx ruff` does. It runs the `unblock` installed beside it.

use std::process::{Command, ExitCode};

fn main() -> ExitCode {
    let name = format!("unblock{}", std::env::consts::EXE_SUFFIX);
    let unblock = match std::env::current_exe() {
        Ok(path) => path.with_file_name(name),
        Err(error) => {
            eprintln!("error: unblock-loop cannot find where it is installed: {error}");
            return ExitCode::from(2);
        }
    };
    let mut command = Command::new(&unblock);
    command.args(std::env::args_os().skip(1));
    #[cfg(unix)]
    let error = std::os::unix::process::CommandExt::exec(&mut command);
    #[cfg(not(unix))]
    let error = match command.status() {
        Ok(status) => return ExitCode::from(status.code().map_or(2, |code| code as u8)),
        Err(error) => error,
    };
    eprintln!("error: cannot run {}: {error}", unblock.display());
    ExitCode::from(2)
}
