"""Student profiles (BD02): identity, studies (BD05 lists), CV, consent, export and deletion."""
