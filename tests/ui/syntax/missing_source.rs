fn main() {
    let stack: Result<stackdef::Stack, stackdef::Error> = stackdef::stack! {
        name: demo,
        services: {
            web { ports: [80 => 80] },
        },
    };
    drop(stack);
}
