//! Window offsets near usize::MAX: added to the memory base, they would wrap.
use kestrel_interpreter::{Frame, FrameRequest};

fn widen(frame: &mut Frame) {
    frame.return_window = (usize::MAX - 10, 32);
    frame.output = (usize::MAX, 1);
    frame.memory_base = 0;
}

fn forge(frame: &mut Frame, request: FrameRequest) {
    frame.request = Some(request);
}

fn main() {}
