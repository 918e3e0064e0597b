"""The citizen's portal: sign-in, the owner's application step by step, signing, and the personal cabinet.

Thin doors onto the services and selectors the API uses: views parse, call one service or selector, and
present; every rule is the service layer's (``rules.portal_resident_refusal`` decides whom the form offers).
"""
