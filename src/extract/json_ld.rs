//! The page's JSON-LD documents, parsed once, and the telephones of the businesses and
//! organisations they describe (SEO plugins put a site's main number there). Pure, never panics.

use serde_json::Value;

use super::Document;

/// Every `<script type="application/ld+json">` of the page that parses, in page order.
pub(super) fn documents(document: &Document<'_>) -> Vec<Value> {
    document
        .elements
        .json_ld
        .iter()
        .filter_map(|script| serde_json::from_str(script.text().collect::<String>().trim()).ok())
        .collect()
}

/// Breadth first through every object of `roots` (an organisation is often an entry of `@graph`,
/// or the `publisher` of an article), at most 8 levels deep.
pub(super) fn objects(roots: &[Value]) -> Vec<&Value> {
    let mut found = Vec::new();
    for root in roots {
        let mut level = vec![root];
        for _ in 0..8 {
            let mut next = Vec::new();
            for value in level {
                match value {
                    Value::Array(items) => next.extend(items),
                    Value::Object(map) => {
                        found.push(value);
                        next.extend(map.values());
                    }
                    _ => {}
                }
            }
            if next.is_empty() {
                break;
            }
            level = next;
        }
    }
    found
}

/// The `telephone` values (a string or a list of them) of every organisation or business of
/// `roots`, and of their contact points that are not fax lines, in document order. A person's
/// number (an author's) is not the site's; `faxNumber` is never read.
pub(super) fn telephones(roots: &[Value]) -> Vec<&str> {
    let mut found = Vec::new();
    for object in objects(roots).into_iter().filter(|object| is_business(object)) {
        push_telephones(&mut found, object);
        let contact_points = match object.get("contactPoint") {
            Some(Value::Array(points)) => points.iter().collect(),
            Some(point @ Value::Object(_)) => vec![point],
            _ => Vec::new(),
        };
        for point in contact_points {
            let fax = point
                .get("contactType")
                .and_then(Value::as_str)
                .is_some_and(|kind| kind.to_ascii_lowercase().contains("fax"));
            if !fax {
                push_telephones(&mut found, point);
            }
        }
    }
    found
}

fn push_telephones<'v>(found: &mut Vec<&'v str>, object: &'v Value) {
    match object.get("telephone") {
        Some(Value::String(number)) => found.push(number),
        Some(Value::Array(numbers)) => found.extend(numbers.iter().filter_map(Value::as_str)),
        _ => {}
    }
}

/// Whether one of the object's `@type`s is an organisation or business of schema.org.
fn is_business(object: &Value) -> bool {
    let known = |name: &str| {
        let name = ["https://schema.org/", "http://schema.org/", "schema:"]
            .iter()
            .find_map(|prefix| name.strip_prefix(prefix))
            .unwrap_or(name);
        BUSINESS_TYPES.binary_search(&name).is_ok()
    };
    match object.get("@type") {
        Some(Value::String(name)) => known(name),
        Some(Value::Array(names)) => names.iter().filter_map(Value::as_str).any(known),
        _ => false,
    }
}

/// schema.org's `Organization` and its subtypes, `LocalBusiness` and its subtypes among them
/// (the types Yoast, Rank Math and local SEO plugins let a site pick), sorted.
#[rustfmt::skip]
const BUSINESS_TYPES: [&str; 184] = [
    "AccountingService", "AdultEntertainment", "Airline", "AmusementPark", "AnimalShelter",
    "ArchiveOrganization", "ArtGallery", "Attorney", "AutoBodyShop", "AutoDealer", "AutoPartsStore",
    "AutoRental", "AutoRepair", "AutoWash", "AutomatedTeller", "AutomotiveBusiness", "Bakery",
    "BankOrCreditUnion", "BarOrPub", "BeautySalon", "BedAndBreakfast", "BikeStore", "BookStore",
    "BowlingAlley", "Brewery", "CafeOrCoffeeShop", "Campground", "Casino", "ChildCare",
    "ClothingStore", "CollegeOrUniversity", "ComedyClub", "CommunityHealth", "ComputerStore",
    "Consortium", "ConvenienceStore", "Cooperative", "Corporation", "CovidTestingFacility",
    "DanceGroup", "DaySpa", "Dentist", "DepartmentStore", "Dermatology", "DiagnosticLab",
    "DietNutrition", "Distillery", "DryCleaningOrLaundry", "EducationalOrganization", "Electrician",
    "ElectronicsStore", "ElementarySchool", "Emergency", "EmergencyService", "EmploymentAgency",
    "EntertainmentBusiness", "ExerciseGym", "FastFoodRestaurant", "FinancialService", "FireStation",
    "Florist", "FoodEstablishment", "FundingAgency", "FundingScheme", "FurnitureStore",
    "GardenStore", "GasStation", "GeneralContractor", "Geriatric", "GolfCourse", "GovernmentOffice",
    "GovernmentOrganization", "GroceryStore", "Gynecologic", "HVACBusiness", "HairSalon",
    "HardwareStore", "HealthAndBeautyBusiness", "HealthClub", "HighSchool", "HobbyShop",
    "HomeAndConstructionBusiness", "HomeGoodsStore", "Hospital", "Hostel", "Hotel", "HousePainter",
    "IceCreamShop", "IndividualPhysician", "InsuranceAgency", "InternetCafe", "JewelryStore",
    "LegalService", "Library", "LibrarySystem", "LiquorStore", "LocalBusiness", "Locksmith",
    "LodgingBusiness", "MedicalBusiness", "MedicalClinic", "MedicalOrganization",
    "MensClothingStore", "MiddleSchool", "Midwifery", "MobilePhoneStore", "Motel",
    "MotorcycleDealer", "MotorcycleRepair", "MovieRentalStore", "MovieTheater", "MovingCompany",
    "MusicGroup", "MusicStore", "NGO", "NailSalon", "NewsMediaOrganization", "NightClub", "Notary",
    "Nursing", "Obstetric", "OfficeEquipmentStore", "Oncologic", "OnlineBusiness", "OnlineStore",
    "Optician", "Optometric", "Organization", "Otolaryngologic", "OutletStore", "PawnShop",
    "PerformingGroup", "PetStore", "Pharmacy", "Physician", "PhysiciansOffice", "Physiotherapy",
    "PlasticSurgery", "Plumber", "Podiatric", "PoliceStation", "PoliticalParty", "PostOffice",
    "Preschool", "PrimaryCare", "ProfessionalService", "Project", "Psychiatric", "PublicHealth",
    "PublicSwimmingPool", "RadioStation", "RealEstateAgent", "RecyclingCenter",
    "ResearchOrganization", "ResearchProject", "Resort", "Restaurant", "RoofingContractor",
    "School", "SearchRescueOrganization", "SelfStorage", "ShoeStore", "ShoppingCenter", "SkiResort",
    "SportingGoodsStore", "SportsActivityLocation", "SportsClub", "SportsOrganization",
    "SportsTeam", "StadiumOrArena", "Store", "TattooParlor", "TelevisionStation", "TennisComplex",
    "TheaterGroup", "TireShop", "TouristInformationCenter", "ToyStore", "TravelAgency",
    "VacationRental", "VeterinaryCare", "WholesaleStore", "Winery", "WorkersUnion",
];

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_business_types_are_sorted_for_the_binary_search() {
        assert!(BUSINESS_TYPES.windows(2).all(|pair| pair[0] < pair[1]), "sorted, no duplicates");
    }

    #[test]
    fn a_type_counts_with_or_without_the_schema_org_prefix_and_in_a_list() {
        let typed = |t: Value| serde_json::json!({ "@type": t });
        assert!(is_business(&typed("Plumber".into())));
        assert!(is_business(&typed("https://schema.org/Dentist".into())));
        assert!(is_business(&typed("schema:LocalBusiness".into())));
        assert!(is_business(&typed(serde_json::json!(["Place", "Restaurant"]))));
        assert!(!is_business(&typed("Person".into())));
        assert!(!is_business(&typed("WebSite".into())));
        assert!(!is_business(&serde_json::json!({ "telephone": "+17025695975" })), "no type");
    }

    #[test]
    fn fax_contact_points_and_people_give_no_telephone() {
        let roots = [serde_json::json!({"@graph": [
            {"@type": "Organization", "telephone": ["+17025695975", 17025695977_u64],
             "contactPoint": [{"@type": "ContactPoint", "contactType": "Fax", "telephone": "+17025695976"},
                              {"@type": "ContactPoint", "contactType": "sales", "telephone": "+18008264766"}]},
            {"@type": "Person", "telephone": "+17025551234"}]})];
        assert_eq!(telephones(&roots), vec!["+17025695975", "+18008264766"]);
    }
}
