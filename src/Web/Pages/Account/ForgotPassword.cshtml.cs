using System.ComponentModel.DataAnnotations;

using Cybernet.Web.Email;

using Microsoft.AspNetCore.Identity;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;

namespace Cybernet.Web.Pages.Account;

/// <summary>Asks for a password reset link. Answers the same whether or not the address has an account.</summary>
public sealed class ForgotPasswordModel(UserManager<AppUser> users, AccountEmails emails, ILogger<ForgotPasswordModel> logger) : PageModel
{
    [BindProperty]
    [Required(ErrorMessage = "Enter your email address.")]
    [EmailAddress(ErrorMessage = "That does not look like an email address.")]
    [StringLength(254)]
    public string? Email { get; set; }

    public bool Sent { get; private set; }

    public void OnGet()
    {
    }

    public async Task<IActionResult> OnPostAsync()
    {
        if (!ModelState.IsValid)
        {
            return Page();
        }

        if (await users.FindByEmailAsync(Email!.Trim()) is { EmailConfirmed: true } user)
        {
            try
            {
                var token = await users.GeneratePasswordResetTokenAsync(user);
                await emails.SendPasswordResetAsync(user, user.Id.ToString(), token, HttpContext.RequestAborted);
            }
            catch (Exception error) when (MailSender.IsSendFailure(error))
            {
                AccountLog.EmailNotSent(logger, error.GetType().Name);
                ModelState.AddModelError("", "We could not send the email just now. Try again in a moment.");
                return Page();
            }
        }

        Sent = true;
        return Page();
    }
}
