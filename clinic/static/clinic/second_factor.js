// Enrolment: once the passkey is registered (django-otp-webauthn's script announces it),
// reload the page, which then hands out the recovery codes.
document.addEventListener("otp_webauthn.register_complete", () => {
  window.location.reload();
});
