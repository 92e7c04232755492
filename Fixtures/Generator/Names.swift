/// Words the generator builds people and addresses from. Every person and address it makes is
/// invented: names are drawn from these lists, phone numbers are made up.
enum Names {
    static let first = [
        "Camille", "Léa", "Manon", "Chloé", "Emma", "Inès", "Sarah", "Jade", "Louise", "Alice", "Lina", "Zoé",
        "Julie", "Clara", "Anaïs", "Mathilde", "Pauline", "Yasmine", "Amira", "Fatou", "Nour", "Elsa", "Margaux",
        "Juliette", "Agathe", "Lucie", "Maëlle", "Salomé", "Aïcha", "Mei", "Lucas", "Hugo", "Louis", "Gabriel",
        "Arthur", "Jules", "Adam", "Nathan", "Thomas", "Maxime", "Antoine", "Paul", "Théo", "Raphaël", "Mohamed",
        "Yanis", "Karim", "Ibrahima", "Sacha", "Noah", "Enzo", "Victor", "Baptiste", "Alexandre", "Romain",
        "Quentin", "Mehdi", "Rayan", "Samuel", "Olivier", "Nicolas", "Julien", "Sébastien", "Pierre", "Omar",
    ]
    static let last = [
        "Martin", "Bernard", "Thomas", "Petit", "Robert", "Richard", "Durand", "Dubois", "Moreau", "Laurent",
        "Simon", "Michel", "Lefèvre", "Leroy", "Roux", "David", "Bertrand", "Morel", "Fournier", "Girard",
        "Bonnet", "Dupont", "Lambert", "Fontaine", "Rousseau", "Vincent", "Muller", "Lefebvre", "Faure", "André",
        "Mercier", "Blanc", "Guérin", "Boyer", "Garnier", "Chevalier", "François", "Legrand", "Gauthier", "Garcia",
        "Perrin", "Robin", "Clément", "Morin", "Nicolas", "Henry", "Roussel", "Mathieu", "Gautier", "Masson",
        "Marchand", "Duval", "Denis", "Dumont", "Marie", "Lemaire", "Noël", "Meyer", "Dufour", "Meunier", "Brun",
        "Blanchard", "Giraud", "Joly", "Rivière", "Lucas", "Brunet", "Gaillard", "Barbier", "Arnaud", "Martinez",
        "Gérard", "Roche", "Renard", "Schmitt", "Roy", "Leroux", "Colin", "Vidal", "Caron", "Picard", "Nguyen",
        "Benali", "Haddad", "Diallo", "Traoré", "Cohen", "Da Silva", "Ferreira", "Rossi", "Benoît", "Diop",
    ]
    static let line2 = [
        "Bâtiment A", "Bâtiment B, 2e étage", "3e étage gauche", "4e étage droite", "Escalier C", "Au fond de la cour",
        "Rez-de-chaussée", "5e étage, porte 52", "1er étage", "6e étage sans ascenseur",
    ]
    static let instructions = [
        "Digicode 4521B", "Digicode 1937A, puis interphone", "Sonner à l'interphone", "Appeler en bas de l'immeuble",
        "Code porte 2580", "Laisser au gardien si absent", "Porte cochère verte", "Ne pas sonner, bébé qui dort",
    ]
    static let orderNotes = [
        "Pizza bien cuite", "Sans couverts", "Couper en 8 parts", "Merci de sonner deux fois",
        "Allergie : pas de fruits à coque",
        "Livrer à l'accueil", "Paiement avec l'appoint", "Pâte fine si possible",
    ]

    /// Paris streets (with their postcode) for the delivery areas of synthetic shops.
    static let parisStreets: [(street: String, postcode: String, maxNumber: Int)] = [
        ("rue de Rivoli", "75004", 240), ("rue du Faubourg Saint-Antoine", "75012", 280),
        ("rue de Charonne", "75011", 200),
        ("boulevard Voltaire", "75011", 290), ("rue des Pyrénées", "75020", 380),
        ("avenue de la République", "75011", 110),
        ("rue de Belleville", "75019", 300), ("rue de Crimée", "75019", 260), ("avenue Jean Jaurès", "75019", 240),
        ("rue Lafayette", "75010", 230), ("rue du Faubourg Saint-Denis", "75010", 220), ("rue Marcadet", "75018", 250),
        ("rue Ordener", "75018", 200), ("avenue de Clichy", "75017", 200), ("rue de Lévis", "75017", 80),
        ("rue de Vaugirard", "75015", 390), ("rue de la Convention", "75015", 260), ("rue d'Alésia", "75014", 230),
        ("avenue du Général Leclerc", "75014", 140), ("rue de Tolbiac", "75013", 220),
        ("avenue d'Italie", "75013", 170),
        ("rue Monge", "75005", 120), ("rue Mouffetard", "75005", 140), ("boulevard Saint-Germain", "75006", 280),
        ("rue de Rennes", "75006", 170), ("rue Cler", "75007", 100), ("rue du Commerce", "75015", 90),
        ("avenue de Saint-Ouen", "75017", 150), ("rue de Ménilmontant", "75020", 160), ("rue Oberkampf", "75011", 160),
        ("rue des Martyrs", "75009", 110), ("rue Saint-Maur", "75010", 220), ("rue de Bagnolet", "75020", 190),
        ("rue de Charenton", "75012", 330), ("avenue Daumesnil", "75012", 310), ("rue Caulaincourt", "75018", 110),
    ]
}
