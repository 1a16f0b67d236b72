"""The works the methods paragraphs cite: in-text citation and APA 7 reference, by key."""

from __future__ import annotations

__all__ = ["REFERENCES"]

#: Key -> (in-text citation, APA 7 reference).
REFERENCES: dict[str, tuple[str, str]] = {
    "angrist2009": ("Angrist & Pischke, 2009", "Angrist, J. D., & Pischke, J.-S. (2009). "
                    "*Mostly harmless econometrics: An empiricist's companion*. Princeton "
                    "University Press."),
    "austin2011": ("Austin, 2011", "Austin, P. C. (2011). Optimal caliper widths for "
                   "propensity-score matching when estimating differences in means and "
                   "differences in proportions in observational studies. *Pharmaceutical "
                   "Statistics, 10*(2), 150-161."),
    "bloom1995": ("Bloom, 1995", "Bloom, H. S. (1995). Minimum detectable effects: A simple way "
                  "to report the statistical power of experimental designs. *Evaluation Review, "
                  "19*(5), 547-556."),
    "cohen1960": ("Cohen, 1960", "Cohen, J. (1960). A coefficient of agreement for nominal "
                  "scales. *Educational and Psychological Measurement, 20*(1), 37-46."),
    "cohen1968": ("Cohen, 1968", "Cohen, J. (1968). Weighted kappa: Nominal scale agreement "
                  "provision for scaled disagreement or partial credit. *Psychological Bulletin, "
                  "70*(4), 213-220."),
    "cohen1988": ("Cohen, 1988", "Cohen, J. (1988). *Statistical power analysis for the "
                  "behavioral sciences* (2nd ed.). Lawrence Erlbaum Associates."),
    "cronbach1951": ("Cronbach, 1951", "Cronbach, L. J. (1951). Coefficient alpha and the "
                     "internal structure of tests. *Psychometrika, 16*(3), 297-334."),
    "dersimonian1986": ("DerSimonian & Laird, 1986", "DerSimonian, R., & Laird, N. (1986). "
                        "Meta-analysis in clinical trials. *Controlled Clinical Trials, 7*(3), "
                        "177-188."),
    "agresti2005": ("Agresti & Min, 2005", "Agresti, A., & Min, Y. (2005). Simple improved "
                    "confidence intervals for comparing matched proportions. *Statistics in "
                    "Medicine, 24*(5), 729-740."),
    "fagerland2013": ("Fagerland et al., 2013", "Fagerland, M. W., Lydersen, S., & Laake, P. "
                      "(2013). The McNemar test for binary matched-pairs data: Mid-p and "
                      "asymptotic are better than exact conditional. *BMC Medical Research "
                      "Methodology, 13*, 91."),
    "feldt1987": ("Feldt et al., 1987", "Feldt, L. S., Woodruff, D. J., & Salih, F. A. (1987). "
                  "Statistical inference for coefficient alpha. *Applied Psychological "
                  "Measurement, 11*(1), 93-103."),
    "fisher1922": ("Fisher, 1922", "Fisher, R. A. (1922). On the interpretation of chi-square "
                   "from contingency tables, and the calculation of P. *Journal of the Royal "
                   "Statistical Society, 85*(1), 87-94."),
    "fleiss1969": ("Fleiss et al., 1969", "Fleiss, J. L., Cohen, J., & Everitt, B. S. (1969). "
                   "Large sample standard errors of kappa and weighted kappa. *Psychological "
                   "Bulletin, 72*(5), 323-327."),
    "hayes2007": ("Hayes & Krippendorff, 2007", "Hayes, A. F., & Krippendorff, K. (2007). "
                  "Answering the call for a standard reliability measure for coding data. "
                  "*Communication Methods and Measures, 1*(1), 77-89."),
    "hedges1985": ("Hedges & Olkin, 1985", "Hedges, L. V., & Olkin, I. (1985). *Statistical "
                   "methods for meta-analysis*. Academic Press."),
    "holm1979": ("Holm, 1979", "Holm, S. (1979). A simple sequentially rejective multiple test "
                 "procedure. *Scandinavian Journal of Statistics, 6*(2), 65-70."),
    "lakens2017": ("Lakens, 2017", "Lakens, D. (2017). Equivalence tests: A practical primer "
                   "for t tests, correlations, and meta-analyses. *Social Psychological and "
                   "Personality Science, 8*(4), 355-362."),
    "morris2008": ("Morris, 2008", "Morris, S. B. (2008). Estimating effect sizes from "
                   "pretest-posttest-control group designs. *Organizational Research Methods, "
                   "11*(2), 364-386."),
    "rothwell2005": ("Rothwell, 2005", "Rothwell, P. M. (2005). Subgroup analysis in "
                     "randomised controlled trials: Importance, indications, and "
                     "interpretation. *The Lancet, 365*(9454), 176-186."),
    "higgins2002": ("Higgins & Thompson, 2002", "Higgins, J. P. T., & Thompson, S. G. (2002). "
                    "Quantifying heterogeneity in a meta-analysis. *Statistics in Medicine, "
                    "21*(11), 1539-1558."),
    "krippendorff2004": ("Krippendorff, 2004", "Krippendorff, K. (2004). *Content analysis: An "
                         "introduction to its methodology* (2nd ed.). Sage."),
    "knapp2003": ("Knapp & Hartung, 2003", "Knapp, G., & Hartung, J. (2003). Improved tests "
                  "for a random effects meta-regression with a single covariate. *Statistics "
                  "in Medicine, 22*(17), 2693-2710."),
    "lakens2013": ("Lakens, 2013", "Lakens, D. (2013). Calculating and reporting effect sizes "
                   "to facilitate cumulative science: A practical primer for t-tests and ANOVAs. "
                   "*Frontiers in Psychology, 4*, 863. https://doi.org/10.3389/fpsyg.2013.00863"),
    "long2000": ("Long & Ervin, 2000", "Long, J. S., & Ervin, L. H. (2000). Using "
                 "heteroscedasticity consistent standard errors in the linear regression model. "
                 "*The American Statistician, 54*(3), 217-224."),
    "mcnemar1947": ("McNemar, 1947", "McNemar, Q. (1947). Note on the sampling error of the "
                    "difference between correlated proportions or percentages. *Psychometrika, "
                    "12*(2), 153-157."),
    "newcombe1998a": ("Newcombe, 1998a", "Newcombe, R. G. (1998a). Interval estimation for the "
                      "difference between independent proportions: Comparison of eleven methods. "
                      "*Statistics in Medicine, 17*(8), 873-890."),
    "newcombe1998b": ("Newcombe, 1998b", "Newcombe, R. G. (1998b). Improved confidence "
                      "intervals for the difference between binomial proportions based on paired "
                      "data. *Statistics in Medicine, 17*(22), 2635-2650."),
    "pearson1900": ("Pearson, 1900", "Pearson, K. (1900). On the criterion that a given system "
                    "of deviations from the probable in the case of a correlated system of "
                    "variables is such that it can be reasonably supposed to have arisen from "
                    "random sampling. *Philosophical Magazine, 50*(302), 157-175."),
    "rosenbaum1985": ("Rosenbaum & Rubin, 1985", "Rosenbaum, P. R., & Rubin, D. B. (1985). "
                      "Constructing a control group using multivariate matched sampling methods "
                      "that incorporate the propensity score. *The American Statistician, "
                      "39*(1), 33-38."),
    "rover2015": ("Röver et al., 2015", "Röver, C., Knapp, G., & Friede, T. (2015). "
                  "Hartung-Knapp-Sidik-Jonkman approach and its modification for random-effects "
                  "meta-analysis with few studies. *BMC Medical Research Methodology, 15*, 99."),
    "steiger1997": ("Steiger & Fouladi, 1997", "Steiger, J. H., & Fouladi, R. T. (1997). "
                    "Noncentrality interval estimation and the evaluation of statistical models. "
                    "In L. L. Harlow, S. A. Mulaik, & J. H. Steiger (Eds.), *What if there were "
                    "no significance tests?* (pp. 221-257). Lawrence Erlbaum Associates."),
    "stuart2010": ("Stuart, 2010", "Stuart, E. A. (2010). Matching methods for causal "
                   "inference: A review and a look forward. *Statistical Science, 25*(1), 1-21."),
    "student1908": ("Student, 1908", "Student. (1908). The probable error of a mean. "
                    "*Biometrika, 6*(1), 1-25."),
    "vanbreukelen2006": ("Van Breukelen, 2006", "Van Breukelen, G. J. P. (2006). ANCOVA versus "
                         "change from baseline had more power in randomized studies and more "
                         "bias in nonrandomized studies. *Journal of Clinical Epidemiology, "
                         "59*(9), 920-925."),
    "viechtbauer2005": ("Viechtbauer, 2005", "Viechtbauer, W. (2005). Bias and efficiency of "
                        "meta-analytic variance estimators in the random-effects model. *Journal "
                        "of Educational and Behavioral Statistics, 30*(3), 261-293."),
    "welch1947": ("Welch, 1947", "Welch, B. L. (1947). The generalization of 'Student's' problem "
                  "when several different population variances are involved. *Biometrika, "
                  "34*(1-2), 28-35."),
    "wilson1927": ("Wilson, 1927", "Wilson, E. B. (1927). Probable inference, the law of "
                   "succession, and statistical inference. *Journal of the American Statistical "
                   "Association, 22*(158), 209-212."),
}
