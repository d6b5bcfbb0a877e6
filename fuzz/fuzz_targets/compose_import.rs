//! Arbitrary bytes into the compose importer: never a panic; and whatever imports and emits
//! again must import to the same stack (emit → parse is a fixed point).
#![no_main]

use libfuzzer_sys::fuzz_target;
use stackdef::emit::compose;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let Ok(stack) = stackdef::import::parse_named(text, "fuzz".parse().expect("name")) else {
        return;
    };
    let Ok(valid) = stackdef::validate(&stack) else {
        return;
    };
    let Ok(yaml) = compose::to_yaml(&valid) else {
        return;
    };
    let back = stackdef::import::parse(&yaml).expect("our own output imports");
    assert_eq!(
        back.services, stack.services,
        "emit → parse changed the services:\n{yaml}"
    );
    assert_eq!(compose::to_yaml(&stackdef::validate(&back).unwrap()).expect("emits again"), yaml);
});
