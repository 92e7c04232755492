// bench-supplier-files: supplier documents in bulk for import-supplier's benchmarks.
//
//   bench-supplier-files --out DIR [--invoices 10000] [--lines 20] [--despatch-mb 200] [--seed 1]
//
// Writes into DIR (created if missing):
//   * N invoices BENCH-000001 ... numbered from 1, odd numbers as UBL 2.1 Invoice, even numbers as
//     CII D16B CrossIndustryInvoice (`.xml` both): exactly half of each syntax whatever the
//     suppliers' own formats, so the two readers are measured on the same amount of data;
//   * one UBL 2.1 DespatchAdvice BENCH-DESADV-<seed>.xml of about --despatch-mb megabytes
//     (10^6 bytes; 0 = none), streamed in 1 MiB chunks.
//
// Every document names a demo supplier, a demo shop (buyer reference and GLN) and demo supplier
// items (seller item id, GTIN, purchase unit, price, VAT rate) from DemoData.embedded, so an
// importer run on a database seeded with `ocpizza db seed --demo` resolves all of them. Same
// arguments, same bytes: the draws come from SplitMix64 seeded with --seed.
import DemoChain
import Domain
import Foundation

struct Arguments {
    var out = ""
    var invoices = 10_000
    var lines = 20
    var despatchMB = 200
    var seed: UInt64 = 1

    static let usage =
        "usage: bench-supplier-files --out DIR [--invoices 10000] [--lines 20] [--despatch-mb 200] [--seed 1]"

    init(_ arguments: [String]) throws {
        var rest = arguments.dropFirst()
        while let name = rest.popFirst() {
            guard let value = rest.popFirst() else { throw BenchError("\(name) needs a value\n\(Self.usage)") }
            func number(_ range: ClosedRange<Int>) throws -> Int {
                guard let parsed = Int(value), range.contains(parsed) else {
                    throw BenchError("\(name) must be a whole number in \(range), not \(value)")
                }
                return parsed
            }
            switch name {
            case "--out": out = value
            case "--invoices": invoices = try number(0...10_000_000)
            case "--lines": lines = try number(1...10_000)
            case "--despatch-mb": despatchMB = try number(0...100_000)
            case "--seed": seed = UInt64(try number(0...Int.max))
            default: throw BenchError("unknown option \(name)\n\(Self.usage)")
            }
        }
        guard !out.isEmpty else { throw BenchError("--out is required\n\(Self.usage)") }
    }
}

struct BenchError: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}

/// A number on six digits at least, so the files sort in order.
func padded(_ value: Int) -> String {
    let digits = String(value)
    return String(repeating: "0", count: max(0, 6 - digits.count)) + digits
}

func seconds(_ duration: Duration) -> Double {
    Double(duration.components.seconds) + Double(duration.components.attoseconds) / 1e18
}

func run() throws {
    let arguments = try Arguments(CommandLine.arguments)
    let data = DemoData.embedded
    let suppliers = data.suppliers.filter { !$0.items.isEmpty }
    let shops = data.shops
    guard !suppliers.isEmpty, !shops.isEmpty else { throw BenchError("the demo data has no suppliers or shops") }
    try FileManager.default.createDirectory(atPath: arguments.out, withIntermediateDirectories: true)
    var random = SplitMix64(seed: arguments.seed)
    func below(_ count: Int) -> Int { Int(random.next() % UInt64(count)) }
    // Deliveries spread over four weeks before a fixed day: the files do not depend on the clock.
    let lastDay = try LocalDate(iso: "2026-11-20")
    let clock = ContinuousClock()

    var ublCount = 0
    var ciiCount = 0
    var invoiceBytes = 0
    var invoiceLines = 0
    let invoicesStarted = clock.now
    for index in stride(from: 1, through: arguments.invoices, by: 1) {
        let supplier = suppliers[below(suppliers.count)]
        let shop = shops[below(shops.count)]
        let first = below(supplier.items.count)
        var lines: [SupplierDelivery.Line] = []
        for position in 0..<arguments.lines {
            let item = supplier.items[(first + position) % supplier.items.count]
            lines.append(try SupplierDelivery.Line(item: item, packs: Int64(1 + below(12))))
        }
        let number = "BENCH-" + padded(index)
        let delivery = SupplierDelivery(
            number: number, seller: SupplierDelivery.Party(supplier: supplier),
            shop: SupplierDelivery.Shop(shop: shop), day: lastDay.adding(days: -below(28)), lines: lines)
        let format: SupplierDelivery.Format = index % 2 == 1 ? .ubl : .cii
        let bytes = try SupplierDocumentWriter.render(delivery, as: format)
        try SupplierDocumentWriter.writeAtomically(
            bytes, directory: arguments.out, fileName: format.fileName(number: number))
        if format == .ubl { ublCount += 1 } else { ciiCount += 1 }
        invoiceBytes += bytes.count
        invoiceLines += lines.count
    }
    let invoiceSeconds = seconds(clock.now - invoicesStarted)
    print(
        "invoices: \(arguments.invoices) (\(ublCount) UBL, \(ciiCount) CII), \(invoiceLines) lines, "
            + String(format: "%.1f MB in %.2f s", Double(invoiceBytes) / 1e6, invoiceSeconds))

    guard arguments.despatchMB > 0 else { return }
    let target = arguments.despatchMB * 1_000_000
    let number = "BENCH-DESADV-\(arguments.seed)"
    let path = arguments.out + "/" + number + ".xml"
    let temporary = arguments.out + "/." + number + ".xml.part"
    guard FileManager.default.createFile(atPath: temporary, contents: nil) else {
        throw BenchError("cannot create \(temporary)")
    }
    let handle = try FileHandle(forWritingTo: URL(fileURLWithPath: temporary))
    let supplier = suppliers[below(suppliers.count)]
    let items = supplier.items.map { DespatchAdviceWriter.Item(item: $0) }
    let despatchStarted = clock.now
    let writer = try DespatchAdviceWriter(
        file: handle, number: number, orderReference: "BENCH-PO-\(arguments.seed)",
        seller: SupplierDelivery.Party(supplier: supplier),
        shop: SupplierDelivery.Shop(shop: shops[below(shops.count)]),
        day: lastDay)
    // Stop before the closing tag would pass the target: the file is "about" the size asked.
    while writer.byteCount < target - 20 {
        try writer.append(items[below(items.count)], quantity: Int64(1 + below(40)))
    }
    try writer.finish()
    try handle.close()
    guard rename(temporary, path) == 0 else { throw BenchError("cannot rename \(temporary) to \(path)") }
    let despatchSeconds = seconds(clock.now - despatchStarted)
    print(
        "despatch advice: \(path), \(writer.lineCount) lines of \(supplier.code) items, "
            + String(
                format: "%.1f MB in %.2f s (%.0f MB/s)", Double(writer.byteCount) / 1e6, despatchSeconds,
                Double(writer.byteCount) / 1e6 / max(despatchSeconds, 1e-9)))
}

do {
    try run()
} catch {
    FileHandle.standardError.write(Data("bench-supplier-files: \(error)\n".utf8))
    exit(64)
}
