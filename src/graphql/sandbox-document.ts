/** The document Apollo Sandbox opens with in development: the signup flow, step by step. */
export const sandboxDocument = `# Welcome to Warden. Run these in order (pick the operation with the ▶ button).
# 1. Signup: the SIGNUP code is printed in the server log (development outbox).
mutation Signup {
  signup(input: { email: "ada@example.com", password: "correct horse battery staple", name: "Ada",
                  organization: { name: "Analytical Engines", teamSize: "1-10" } }) {
    challengeId
    destination
    expiresAt
    resendAvailableAt
  }
}

# 2. Paste the challengeId from step 1 and the 6-digit code from the log.
mutation VerifyOtp {
  verifyOtp(input: { challengeId: "<challengeId>", code: "<code>" }) {
    accessToken
    refreshToken
    user { id email emailVerified }
  }
}

# 3. Put the accessToken in the Authorization header below ("Bearer <accessToken>"), then:
query Viewer {
  viewer {
    id
    email
    emailVerified
    name
    organization { name teamSize }
    sessions { id current createdAt userAgent }
  }
}
`;
