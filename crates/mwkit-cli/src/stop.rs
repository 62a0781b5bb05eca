//! Stopping cleanly on SIGINT or SIGTERM (`email`).
//!
//! The first signal only raises a flag: the request in flight is finished
//! (mw-ureq's client blocks in a call, within its timeouts), its outcome is
//! journaled, and the command looks at the flag before it starts anything
//! new (the next recipient, the pre-check, the email after the login). A
//! second signal takes the default action at once (the process dies by it,
//! as it did before the first was caught). So does a signal that comes while
//! a password or two-factor code is being typed: nothing is in flight then,
//! and the person at the terminal wants out.
//!
//! A thread acknowledges the first signal on standard error at once, so that
//! whoever sent it knows a request is being waited for.
//!
//! A mail waiting with nothing on its way (a delay the wiki asked for, such
//! as `maxlag` or `readonly`, whose answer proved that it did not act) is
//! given up at the signal instead of waiting and sending again ([`email`]).

use std::ops::ControlFlow;

use mw_ureq::{Client, EmailSent, EmailUser, Error, Stopped, Waiting};

/// A caught signal: its name and the exit status that reports it (128 + its
/// number, as a shell reports a process killed by it).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Signal {
    pub(crate) name: &'static str,
    pub(crate) exit: u8,
}

/// SIGTERM, for a stop whose signal is not known.
pub(crate) const SIGTERM: Signal = Signal {
    name: "SIGTERM",
    exit: 143,
};

#[cfg(unix)]
mod imp {
    use std::io::Write;
    use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};

    use signal_hook::consts::signal::{SIGINT, SIGTERM};
    use signal_hook::flag;
    use signal_hook::iterator::Signals;
    use signal_hook::low_level::emulate_default_handler;

    use super::Signal;

    /// Set by the first signal; with it set, the next one takes the
    /// default action.
    static STOP: AtomicBool = AtomicBool::new(false);
    /// Which signal came (its number; 0 before any).
    static WHICH: AtomicUsize = AtomicUsize::new(0);
    /// A password or code is being asked for on the terminal.
    static PROMPTING: AtomicBool = AtomicBool::new(false);

    fn signal(number: i32) -> Signal {
        Signal {
            name: if number == SIGINT {
                "SIGINT"
            } else {
                "SIGTERM"
            },
            exit: if number == SIGINT { 130 } else { 143 },
        }
    }

    pub(crate) fn install() -> std::io::Result<()> {
        for sig in [SIGINT, SIGTERM] {
            // The order matters: the handlers run in the order registered,
            // so the first signal finds STOP unset (no default action) and
            // then sets it, which arms the default action for the second.
            flag::register_conditional_default(sig, &STOP)?;
            flag::register_usize(sig, &WHICH, usize::try_from(sig).unwrap_or(0))?;
            flag::register(sig, &STOP)?;
        }
        let mut signals = Signals::new([SIGINT, SIGTERM])?;
        std::thread::Builder::new()
            .name("mwkit-signals".to_owned())
            .spawn(move || {
                let mut told = false;
                for sig in signals.forever() {
                    if PROMPTING.load(Ordering::SeqCst) {
                        // Nothing is in flight while a person types.
                        let _ = emulate_default_handler(sig);
                    }
                    if !told {
                        told = true;
                        let name = signal(sig).name;
                        let mut err = std::io::stderr().lock();
                        let _ = writeln!(
                            err,
                            "\nmwkit: {name}: stopping once the request in flight is answered \
                             (its outcome is recorded); nothing new is started. Another \
                             {name} or Ctrl-C stops at once"
                        );
                    }
                }
            })?;
        Ok(())
    }

    pub(crate) fn received() -> Option<Signal> {
        if !STOP.load(Ordering::SeqCst) {
            return None;
        }
        let number = WHICH.load(Ordering::SeqCst);
        Some(signal(i32::try_from(number).unwrap_or(SIGTERM)))
    }

    pub(crate) fn prompting<T>(ask: impl FnOnce() -> T) -> Result<T, Signal> {
        // Marked first: a signal from here on either is seen below or
        // stops the process at once.
        PROMPTING.store(true, Ordering::SeqCst);
        if let Some(sig) = received() {
            PROMPTING.store(false, Ordering::SeqCst);
            return Err(sig);
        }
        let answer = ask();
        PROMPTING.store(false, Ordering::SeqCst);
        if STOP.load(Ordering::SeqCst) {
            // A signal came while the person typed: the prompt may have
            // returned first (^C ends the line), but the process ends by
            // the signal all the same, not by the prompt's empty answer.
            let number = WHICH.load(Ordering::SeqCst);
            let _ = emulate_default_handler(i32::try_from(number).unwrap_or(SIGTERM));
        }
        Ok(answer)
    }
}

#[cfg(not(unix))]
mod imp {
    //! Elsewhere the signals keep their default action.
    use super::Signal;

    pub(crate) fn install() -> std::io::Result<()> {
        Ok(())
    }

    pub(crate) fn received() -> Option<Signal> {
        None
    }

    pub(crate) fn prompting<T>(ask: impl FnOnce() -> T) -> Result<T, Signal> {
        Ok(ask())
    }
}

/// Catches SIGINT and SIGTERM from now on, for the rest of the process.
/// When they cannot be caught, says so: they keep stopping it at once.
pub(crate) fn install() {
    if let Err(e) = imp::install() {
        eprintln!("mwkit: cannot catch SIGINT and SIGTERM ({e}): they stop mwkit at once");
    }
}

/// The signal that asked the command to stop, if one came.
pub(crate) fn received() -> Option<Signal> {
    imp::received()
}

/// Runs `ask` (a prompt on the terminal), during which a signal stops the
/// process at once; not at all when a signal already came (its `Err`).
pub(crate) fn prompting<T>(ask: impl FnOnce() -> T) -> Result<T, Signal> {
    imp::prompting(ask)
}

/// Sends `email`, given up if a signal comes while none of its requests is
/// on its way: while it waits as the wiki asked (the wiki's answer proved
/// that it did not act) or for another call. A request on its way is always
/// waited for, so [`Stopped::write_in_flight`] should never be set here
/// (the callers still report it as an unknown outcome if it is).
pub(crate) fn email(
    client: &Client,
    email: &EmailUser,
) -> Result<Result<EmailSent, Error>, Stopped> {
    let check = |waiting: Waiting| match waiting {
        Waiting::Answer { .. } => ControlFlow::Continue(()),
        _ if received().is_some() => ControlFlow::Break(()),
        _ => ControlFlow::Continue(()),
    };
    client.call(|s| s.email_user(email), Some(&check), None)
}
