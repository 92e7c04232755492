import ArgumentParser

@main
struct OCPizza: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "ocpizza",
        abstract: "OC Pizza back office: nightly jobs, the ordering endpoint and operations.",
        discussion: """
            With no database configured (no --database-url, DATABASE_URL, PGHOST, PGDATABASE or \
            PGSERVICE) and OCPIZZA_ENV not 'production', ocpizza starts a private PostgreSQL under \
            .ocpizza/postgres of the working directory.

            Exit codes: 0 done; 65 done but some inputs rejected; 64 bad usage; 69 database \
            unreachable; 74 file I/O failure; 75 skipped (lock held or maintenance); 78 bad \
            configuration; 1 anything else.
            """,
        version: "0.1.0",
        subcommands: [
            Demo.self, Nightly.self, ImportSupplier.self, ReconcileStock.self, SettlePayments.self, ExportReports.self,
            Suppliers.self,
            SupplierItems.self,
            SupplierDocumentsCommand.self,
            JobsCommand.self, Serve.self, Shops.self, APIKeysCommand.self, Database.self, DevDatabase.self,
            Maintenance.self, Check.self, BackupCommand.self, Release.self,
        ]
    )
}
