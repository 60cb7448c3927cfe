// The synthetic seed corpus of classifier.h: documents of every type written from templates and
// phrase pools typical of a sign company's paperwork. Only a starting point — the model card of
// every model trained on it says "synthetic seed corpus", and user corrections are added on top.
#include <fmt/format.h>

#include <initializer_list>
#include <random>
#include <span>

#include "documents/classifier.h"

namespace signx::documents {
namespace {

class Gen {
 public:
  explicit Gen(uint64_t seed) : rng_(seed) {}
  std::string Pick(std::span<const char* const> pool) {
    return pool[std::uniform_int_distribution<std::size_t>(0, pool.size() - 1)(rng_)];
  }
  std::string Pick(std::initializer_list<const char*> pool) { return PickList(pool); }
  std::string PickList(std::initializer_list<const char*> pool) {
    return *(pool.begin() + std::uniform_int_distribution<std::size_t>(0, pool.size() - 1)(rng_));
  }
  int Int(int lo, int hi) { return std::uniform_int_distribution<int>(lo, hi)(rng_); }
  bool Coin() { return Int(0, 1) == 1; }
  std::string Money() {
    return fmt::format("${},{:03d}.{:02d}", Int(1, 250), Int(0, 999), Int(0, 99));
  }
  std::string Date() {
    static const char* const kMonths[] = {"January",   "February", "March",    "April",
                                          "May",       "June",     "July",     "August",
                                          "September", "October",  "November", "December"};
    return Coin() ? fmt::format("{} {}, 202{}", Pick(kMonths), Int(1, 28), Int(4, 7))
                  : fmt::format("202{}-{:02d}-{:02d}", Int(4, 7), Int(1, 12), Int(1, 28));
  }

 private:
  std::mt19937_64 rng_;
};

const char* const kCompanies[] = {
    "Apex Sign Co",           "Brightline Signs LLC",    "Metro Retail Group",
    "Harbor Health Partners", "Summit Construction Inc", "Lakeside Mall Holdings",
    "Northgate Builders",     "City of Riverton",        "Pinecrest Bank",
    "Orion Electric Inc",     "Blue Ridge Architects",   "Cascade Hotels Ltd"};
const char* const kPeople[] = {"Dana Lee",    "Marco Ruiz", "Priya Shah",   "Tom Becker",
                               "Alice Wong",  "Sam Ortiz",  "Jordan Blake", "Kim Nguyen",
                               "Chris Adams", "Maria Silva"};
const char* const kSigns[] = {"channel letter sign",
                              "monument sign",
                              "pylon sign",
                              "illuminated cabinet sign",
                              "wayfinding signage package",
                              "ADA room signs",
                              "LED message center",
                              "vinyl window graphics",
                              "blade sign",
                              "parking structure signage"};
const char* const kSites[] = {"1200 Main Street",  "45 Harbor Blvd",    "300 Commerce Way",
                              "88 Lakeview Drive", "2500 Airport Road", "17 Market Square"};

std::string Contract(Gen& g) {
  return fmt::format(
      "{}\n\nThis Agreement is entered into as of {} by and between {} (\"Client\") and {} "
      "(\"Contractor\").\n\n1. Scope of Work\nContractor shall fabricate and install the {} at {} "
      "in accordance with the approved drawings.\n\n2. Contract Price\nClient shall pay Contractor "
      "the sum of {} in accordance with the payment schedule.\n\n3. Term and Termination\nEither "
      "party may terminate this Agreement upon written notice if the other party breaches any "
      "material obligation and fails to cure within {} days.\n\n4. {}\n{}\n\n5. Governing Law\n"
      "This Agreement shall be governed by the laws of the State. IN WITNESS WHEREOF, the parties "
      "have executed this Agreement.\n\nSignature: ____________ Name: {} Title: {}",
      g.Pick({"SIGN FABRICATION AND INSTALLATION AGREEMENT", "SERVICES AGREEMENT",
              "MASTER SUBCONTRACT AGREEMENT", "CONTRACT FOR SIGNAGE WORK"}),
      g.Date(), g.Pick(kCompanies), g.Pick(kCompanies), g.Pick(kSigns), g.Pick(kSites), g.Money(),
      g.Int(10, 30), g.Pick({"Indemnification", "Warranty", "Insurance", "Liquidated Damages"}),
      g.Pick(
          {"Contractor shall indemnify and hold harmless the Client from all claims arising from "
           "the work.",
           "Contractor warrants all workmanship and materials for a period of one year.",
           "Contractor shall maintain general liability insurance with limits of not less than "
           "$1,000,000 per occurrence.",
           "If the work is not substantially complete by the completion date, liquidated damages "
           "of $500 per day shall apply."}),
      g.Pick(kPeople), g.Pick({"President", "Owner", "Director", "CEO"}));
}

std::string Proposal(Gen& g) {
  return fmt::format(
      "{}\n{}\nPrepared for: {}\nDate: {}\n\nThank you for the opportunity to {} the {} for your "
      "location at {}. We are pleased to submit the following {}.\n\nItem | Qty | Price\n{} | {} | "
      "{}\nInstallation | 1 | {}\n\nTotal: {}\n\nThis quote is valid for {} days. Pricing "
      "excludes permits and electrical to the sign location. A 50% deposit is required to begin "
      "fabrication. To accept this proposal, please sign and return.\n\nSincerely,\n{}\n{}",
      g.Pick({"PROPOSAL", "QUOTATION", "ESTIMATE", "PRICE QUOTE", "Sign Proposal"}),
      g.Pick(kCompanies), g.Pick(kCompanies), g.Date(),
      g.Pick({"quote", "propose", "bid on", "provide pricing for"}), g.Pick(kSigns), g.Pick(kSites),
      g.Pick({"proposal", "quotation", "estimate", "pricing"}), g.Pick(kSigns), g.Int(1, 12),
      g.Money(), g.Money(), g.Money(), g.Int(15, 90), g.Pick(kPeople),
      g.Pick({"Sales Manager", "Estimator", "Account Executive"}));
}

std::string Rfp(Gen& g) {
  return fmt::format(
      "{}\n{}\n{} No. {}\n\nIssued: {}\nProposals Due: {}\n\n1. Introduction\n{} is soliciting "
      "proposals from qualified sign contractors for the design, fabrication and installation of "
      "{} at {}.\n\n2. Scope of Services\nThe selected vendor will provide shop drawings, "
      "engineering, permits and installation.\n\n3. Submission Requirements\nRespondents must "
      "submit {} copies of their proposal, including qualifications, references and a cost "
      "proposal. Questions must be submitted in writing by {}.\n\n4. Evaluation Criteria\n"
      "Proposals will be evaluated on experience, price, schedule and references. The owner "
      "reserves the right to reject any or all proposals.",
      g.Pick({"REQUEST FOR PROPOSALS", "REQUEST FOR PROPOSAL", "INVITATION TO BID",
              "REQUEST FOR QUOTATION"}),
      g.Pick(kCompanies), g.Pick({"RFP", "ITB", "RFQ", "Solicitation"}), g.Int(100, 9999), g.Date(),
      g.Date(), g.Pick(kCompanies), g.Pick(kSigns), g.Pick(kSites), g.Int(1, 5), g.Date());
}

std::string ChangeOrder(Gen& g) {
  return fmt::format(
      "{}\nChange Order No. {}\nProject: {} at {}\nDate: {}\nContract: {}\n\nDescription of "
      "Change:\n{}\n\nReason: {}\n\nOriginal Contract Sum: {}\nNet change by previous change "
      "orders: {}\nThis Change Order {} the Contract Sum by {}\nNew Contract Sum: {}\nThe "
      "Contract Time will be {} by {} days.\n\nApproved by Owner: {}  Contractor: {}",
      g.Pick({"CHANGE ORDER", "Change Order Request", "CHANGE ORDER FORM"}), g.Int(1, 40),
      g.Pick(kSigns), g.Pick(kSites), g.Date(), g.Pick(kCompanies),
      g.Pick({"Add illumination to the monument sign.",
              "Revise letter height from 24 in to 30 in per client request.",
              "Delete the second pylon face.",
              "Add concrete footing redesign due to soil conditions."}),
      g.Pick({"Owner request", "Field condition", "Code requirement", "Design revision"}),
      g.Money(), g.Money(), g.Pick({"increases", "decreases"}), g.Money(), g.Money(),
      g.Pick({"increased", "unchanged", "extended"}), g.Int(0, 30), g.Pick(kPeople),
      g.Pick(kPeople));
}

std::string Permit(Gen& g) {
  return fmt::format(
      "{}\n{}\nPermit Number: {}-{}\nIssue Date: {}\nExpiration: {}\n\nSite Address: {}\n"
      "Applicant: {}\nOwner: {}\nType of Work: {}\n\nConditions of Approval:\n- Sign shall comply "
      "with the zoning code and the approved plans.\n- Electrical signs require a separate "
      "electrical permit and UL listing.\n- Call for inspection {} hours before {}.\n\nThis permit "
      "becomes void if work is not started within 180 days. Zoning district: {}. Building "
      "official: {}",
      g.Pick({"SIGN PERMIT", "BUILDING PERMIT", "PERMIT APPLICATION", "ELECTRICAL PERMIT"}),
      g.Pick({"City of Riverton Building Department", "County Planning and Zoning",
              "Department of Building Safety"}),
      g.Pick({"SGN", "BLD", "ELE"}), g.Int(10000, 99999), g.Date(), g.Date(), g.Pick(kSites),
      g.Pick(kCompanies), g.Pick(kCompanies), g.Pick(kSigns), g.Int(24, 48),
      g.Pick({"footing inspection", "final inspection", "covering"}),
      g.Pick({"C-2", "B-1", "M-1", "PUD"}), g.Pick(kPeople));
}

std::string Invoice(Gen& g) {
  return fmt::format(
      "{}\n{}\nInvoice Number: INV-{}\nInvoice Date: {}\nDue Date: {}\nBill To: {}\n\n"
      "Description | Qty | Unit Price | Amount\n{} | {} | {} | {}\nInstallation labor | 1 | {} | "
      "{}\n\nSubtotal: {}\nSales Tax: {}\nTotal Due: {}\n\nPayment terms: {}. Please remit "
      "payment to the address above. {}",
      g.Pick({"INVOICE", "Invoice", "TAX INVOICE", "PROGRESS BILLING INVOICE"}), g.Pick(kCompanies),
      g.Int(1000, 99999), g.Date(), g.Date(), g.Pick(kCompanies), g.Pick(kSigns), g.Int(1, 10),
      g.Money(), g.Money(), g.Money(), g.Money(), g.Money(), g.Money(), g.Money(),
      g.Pick({"Net 30", "Net 15", "Due on receipt"}),
      g.Pick({"Late payments accrue interest of 1.5% per month.", "Thank you for your business.",
              "PO Number: 4471."}));
}

std::string MeetingNotes(Gen& g) {
  return fmt::format(
      "{}\nProject: {}\nDate: {}\nAttendees: {}, {}, {}\n\nAgenda\n1. Schedule review\n2. "
      "Permits\n3. Open issues\n\nDiscussion\n{} reported that fabrication is {}. The team "
      "discussed the {} and the permit status. It was agreed to {}.\n\nAction Items\n- {} to "
      "send the revised shop drawings by Friday.\n- {} will follow up with the city on the "
      "permit.\n- {} to confirm the installation date with the client.\n\nNext meeting: {}",
      g.Pick({"MEETING MINUTES", "Meeting Notes", "Project Meeting Minutes",
              "Weekly Coordination Meeting"}),
      g.Pick(kSigns), g.Date(), g.Pick(kPeople), g.Pick(kPeople), g.Pick(kPeople), g.Pick(kPeople),
      g.Pick({"on schedule", "two weeks behind", "ahead of schedule"}), g.Pick(kSigns),
      g.Pick({"proceed with LED modules", "move the install to next week",
              "hold the order until the permit is issued"}),
      g.Pick(kPeople), g.Pick(kPeople), g.Pick(kPeople), g.Date());
}

std::string Email(Gen& g) {
  return fmt::format(
      "From: {} <{}@example.com>\nTo: {} <{}@example.com>\nSent: {}\nSubject: {}\n\nHi {},\n\n{} "
      "Could you {}? Let me know if you have any questions.\n\n{},\n{}",
      g.Pick(kPeople), g.Pick({"dana", "marco", "priya", "tom"}), g.Pick(kPeople),
      g.Pick({"alice", "sam", "jordan", "kim"}), g.Date(),
      g.Pick({"RE: sign install", "Shop drawings", "Permit status", "FW: updated schedule",
              "Question about the quote"}),
      g.Pick({"Dana", "Marco", "Priya", "Tom"}),
      g.Pick({"Following up on our call this morning.", "Attached are the revised drawings.",
              "The client asked about the installation date.",
              "Just checking in on the status of the order."}),
      g.Pick({"send me the updated quote", "confirm the delivery date", "review the attached proof",
              "call the site contact"}),
      g.Pick({"Thanks", "Best regards", "Regards", "Cheers"}), g.Pick(kPeople));
}

std::string DrawingSpec(Gen& g) {
  return fmt::format(
      "{}\nDrawing No. {}-{}  Rev {}  Scale: {}\nSheet {} of {}\n\n{}\nMaterials: {}\nFinish: {}\n"
      "Illumination: {}\nDimensions: {} in x {} in, letter height {} in\nMounting: {}\nWind load: "
      "{} mph, Exposure {}\n\nGeneral Notes:\n1. All dimensions in inches unless noted.\n2. Verify "
      "field dimensions before fabrication.\n3. Electrical per NEC 600; UL 48 listed.\nDrawn by: "
      "{}  Checked by: {}",
      g.Pick({"SHOP DRAWING", "SPECIFICATIONS", "ELEVATION DRAWING", "TECHNICAL SPECIFICATION"}),
      g.Pick({"SD", "A", "E", "S"}), g.Int(100, 999), g.Pick({"A", "B", "C", "1", "2"}),
      g.Pick({"1/2\" = 1'-0\"", "1:20", "NTS", "3/4\" = 1'-0\""}), g.Int(1, 4), g.Int(4, 8),
      g.Pick(kSigns),
      g.Pick({".063 aluminum returns, 3/16 acrylic faces", "ACM 3 mm",
              "steel pipe column 8 in sch 40"}),
      g.Pick({"PMS 286 blue", "satin black", "brushed aluminum"}),
      g.Pick({"white LED modules 6500K", "non-illuminated", "halo lit"}), g.Int(24, 240),
      g.Int(12, 96), g.Int(6, 36),
      g.Pick({"raceway mounted", "flush mounted with 3/8 studs", "direct burial footing"}),
      g.Int(90, 150), g.Pick({"B", "C", "D"}), g.Pick(kPeople), g.Pick(kPeople));
}

std::string Other(Gen& g) {
  return g.PickList(
             {"Company holiday schedule. The office will be closed on the following days. Enjoy "
              "the "
              "break and see everyone in the new year.",
              "Employee handbook excerpt. Dress code, parking, and use of company vehicles. All "
              "staff "
              "should read this policy.",
              "Newsletter: our team volunteered at the food bank this month and the softball "
              "league "
              "starts in spring.",
              "Product catalog. Our line of sign lighting fixtures, vinyl colors and substrate "
              "options, "
              "with photos of recent work.",
              "Safety training sign-in sheet for the forklift course held in the shop.",
              "Warehouse inventory count notes, shelf locations and bin labels.",
              "Press release: Apex Sign Co celebrates 25 years in business with an open house.",
              "Vehicle maintenance log for the bucket truck and the crane truck."}) +
         " " + g.Pick(kPeople) + " " + g.Date();
}

}  // namespace

std::vector<LabeledText> SeedCorpus(int per_type, uint64_t seed) {
  Gen g(seed);
  std::vector<LabeledText> out;
  for (int i = 0; i < per_type; ++i) {
    out.push_back({Contract(g), "contract"});
    out.push_back({Proposal(g), "proposal"});
    out.push_back({Rfp(g), "rfp"});
    out.push_back({ChangeOrder(g), "change_order"});
    out.push_back({Permit(g), "permit"});
    out.push_back({Invoice(g), "invoice"});
    out.push_back({MeetingNotes(g), "meeting_notes"});
    out.push_back({Email(g), "email"});
    out.push_back({DrawingSpec(g), "drawing_spec"});
    out.push_back({Other(g), "other"});
  }
  return out;
}

}  // namespace signx::documents
