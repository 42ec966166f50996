fn main() {
    println!("eseal");
}
