/// The migrations compiled into this build, in version order.
///
/// The SQL files live in `Sources/Migrations/SQL/` and are embedded in the binary by SwiftPM
/// (`.embedInCode`), so a deployed `ocpizza` needs no files beside it. SwiftPM names each file's
/// bytes after the file (a leading digit becomes `_`): add a line here for every new file.
/// `MigrationCatalogTests` fails if this list and the folder disagree.
public enum MigrationCatalog {
    public static let all: [Migration] = [
        embedded("0001_foundation.sql", PackageResources._001_foundation_sql),
        embedded("0002_job_runner.sql", PackageResources._002_job_runner_sql),
        embedded("0003_shops_people.sql", PackageResources._003_shops_people_sql),
        embedded("0004_catalogue_recipes.sql", PackageResources._004_catalogue_recipes_sql),
        embedded("0005_suppliers.sql", PackageResources._005_suppliers_sql),
        embedded("0006_stock.sql", PackageResources._006_stock_sql),
        embedded("0007_orders.sql", PackageResources._007_orders_sql),
        embedded("0008_payments.sql", PackageResources._008_payments_sql),
        embedded("0009_operations.sql", PackageResources._009_operations_sql),
        embedded("0010_payment_transitions.sql", PackageResources._010_payment_transitions_sql),
        embedded("0011_day_cutoff_outside_dst.sql", PackageResources._011_day_cutoff_outside_dst_sql),
        embedded("0012_supplier_import.sql", PackageResources._012_supplier_import_sql),
        embedded("0013_ordering_endpoint.sql", PackageResources._013_ordering_endpoint_sql),
        embedded("0014_backups.sql", PackageResources._014_backups_sql),
        embedded("0015_settlement.sql", PackageResources._015_settlement_sql),
        embedded("0016_reconcile_stock.sql", PackageResources._016_reconcile_stock_sql),
    ]

    private static func embedded(_ fileName: String, _ bytes: [UInt8]) -> Migration {
        guard let migration = Migration(fileName: fileName, sql: String(decoding: bytes, as: UTF8.self)) else {
            preconditionFailure("migration file name without a version: \(fileName)")
        }
        return migration
    }
}
